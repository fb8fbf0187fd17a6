// Configuration for the Prisma CLI only (the server reads its settings from src/config.ts).
// `prisma migrate deploy` works wherever the schema engine can be downloaded; on this offline
// network the project's own runner (`npm run db:migrate`) applies the same files.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_OWNER_URL ?? process.env.DATABASE_URL ?? '' },
});
