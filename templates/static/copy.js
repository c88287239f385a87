// Copy buttons: a button with data-copy="<element id>" copies that element's value (or text) to the clipboard.
// Served from /static (the CSP allows no inline script); without JavaScript the secret is still selectable text.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) continue;
  button.hidden = false;
  const status = document.getElementById(button.dataset.copyStatus ?? '');
  button.addEventListener('click', async () => {
    const value = 'value' in source ? source.value : source.textContent;
    let ok = false;
    try {
      await navigator.clipboard.writeText(value);
      ok = true;
    } catch {
      // No clipboard permission (an http origin that is not localhost): select the text so Ctrl+C copies it.
      if (typeof source.select === 'function') source.select();
    }
    if (status) status.textContent = ok ? button.dataset.copied : button.dataset.copyFailed;
  });
}
