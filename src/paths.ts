// Files of this repository that more than one layer reads. A leaf: it imports nothing of ours,
// so db/ (the seed) and server/ (persisted operations) both take the path from here.
import path from 'node:path';

/** The partner safelist that codegen compiles from operations/partner/*.graphql (hash -> document). */
export const MANIFEST_FILE = path.join(__dirname, 'generated', 'partner', 'persisted-documents.json');
