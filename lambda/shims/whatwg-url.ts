/**
 * node-fetch 2 loads whatwg-url (with a 260 KB Unicode table) only for its URL class. Node.js has had
 * the same WHATWG URL built in for years, so the bundle points node-fetch at that one instead. The
 * default export serves node-fetch's ES module build, which imports the package whole.
 */
export const URL = globalThis.URL;

export default { URL };
