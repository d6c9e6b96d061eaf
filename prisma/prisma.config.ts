// Prisma 7 reads its datasource URL from here, not from schema.prisma. A plain object (rather than
// defineConfig from "prisma/config") so this file resolves from the repository root without prisma
// installed there. process.env is read with a fallback: env("DATABASE_URL") throws when unset.
export default {
  schema: "schema.prisma",
  migrations: { path: "migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/chat" },
};
