// Schema changes, oldest first. Append only: a shipped entry is never edited.
export const migrations: readonly string[] = [
  `CREATE TABLE build_numbers (
     app TEXT PRIMARY KEY,
     last INTEGER NOT NULL
   );`,
];
