/**
 * Bundling only: the MongoDB driver imports `@mongodb-js/saslprep` at load, which unpacks its
 * Unicode tables (~2 MB of heap) straight away, though only SCRAM-SHA-256 authentication uses it.
 * This stand-in loads the real module on the first call.
 */
let real;
function saslprep(input, opts) {
  real ??= require('../../node_modules/@mongodb-js/saslprep/dist/node.js');
  return real(input, opts);
}
saslprep.saslprep = saslprep;
saslprep.default = saslprep;
module.exports = saslprep;
