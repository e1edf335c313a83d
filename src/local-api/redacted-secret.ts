/**
 * What stands in for a devproxy secret (its control token, a login token, a session) wherever
 * one passing through would be shown: header rows, bodies, URLs (secrets.ts). A file of its own,
 * with no import, because the inspector's browser UI uses it too (src/inspector/api.ts passes it
 * on as part of the wire contract) and bundles only what it imports.
 */
export const REDACTED_SECRET = '[devproxy secret]'
