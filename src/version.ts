// The package version, in one place: the User-Agent and the public `VERSION` export both read it.
// Keep it equal to package.json's "version" (test/package/exports.test.ts checks).

/** The package version. */
export const VERSION = '0.1.0';
