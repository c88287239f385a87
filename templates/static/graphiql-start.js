// Starts GraphiQL (bundled by @graphql-yoga/render-graphiql, served from /static/graphiql/) under the page's CSP:
// no inline script, editor workers from our origin, and the <style> elements the editor adds at run time given
// this page's nonce (the CSP admits no other inline style). The page holds the session's CSRF token, sent
// as X-CSRF-Token so mutations work as they do from the admin console.
(() => {
  const nonce = document.currentScript.nonce;
  const createElement = document.createElement;
  document.createElement = function (name, options) {
    const element = createElement.call(this, name, options);
    if (String(name).toLowerCase() === 'style') element.nonce = nonce;
    return element;
  };
  const workers = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (moduleId, label) => `/static/graphiql/${workers[label]}` };
  const root = document.getElementById('graphiql');
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  // eslint-disable-next-line no-undef -- the global graphiql.js defines
  YogaGraphiQL.renderYogaGraphiQL(root, { endpoint: '/graphql', title: root.dataset.title, additionalHeaders: { 'X-CSRF-Token': csrf } });
})();
