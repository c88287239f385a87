// Tests read JSON bodies of many shapes; asserting on them is the test, so `any` is the honest type here.
interface Response { json(): Promise<any> }
