// Prints jest's totals from its JUnit report as one plain line ("jest: N passed, N failed, N skipped"),
// so that the CI log states what ran even where jest's own summary scrolled far above.
'use strict';
const fs = require('fs');
const xml = fs.readFileSync(process.argv[2], 'utf8');
const suites = xml.match(/<testsuites [^>]*>/)[0];
const number = (name) => Number((suites.match(new RegExp(`${name}="(\\d+)"`)) || [0, 0])[1]);
const total = number('tests');
const failed = number('failures') + number('errors');
const skipped = (xml.match(/<skipped\/>/g) || []).length;
console.log(`jest: ${total - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || total === 0 ? 1 : 0);
