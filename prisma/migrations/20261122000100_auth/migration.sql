-- Sessions for creators (rotating refresh tokens) and platform admins.

-- A refresh token belongs to a family (one log-in). Each refresh revokes the presented token
-- and issues its successor in the same family; presenting a revoked token again means it was
-- stolen or replayed, and revokes the whole family. Only a SHA-256 of the token is stored.
CREATE TABLE "creator_refresh_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "family_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "revoked_at" TIMESTAMPTZ(6),
    -- Why: rotated (refreshed), logout, reuse (a rotated token came back), deactivated.
    "revoked_reason" TEXT,
    "replaced_by_id" UUID,
    "ip_address" INET,
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "creator_refresh_tokens_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "creator_refresh_tokens_token_hash_check" CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "creator_refresh_tokens_expires_at_check" CHECK (expires_at > created_at),
    CONSTRAINT "creator_refresh_tokens_revoked_check" CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL) AND (revoked_reason IS NULL OR revoked_reason IN ('rotated', 'logout', 'reuse', 'deactivated')))
);
CREATE UNIQUE INDEX "creator_refresh_tokens_creator_id_id_key" ON "creator_refresh_tokens"("creator_id", "id");
CREATE UNIQUE INDEX "creator_refresh_tokens_creator_id_token_hash_key" ON "creator_refresh_tokens"("creator_id", "token_hash");
CREATE INDEX "creator_refresh_tokens_creator_id_family_id_idx" ON "creator_refresh_tokens"("creator_id", "family_id");
CREATE INDEX "creator_refresh_tokens_expires_at_idx" ON "creator_refresh_tokens"("expires_at");
ALTER TABLE "creator_refresh_tokens" ADD CONSTRAINT "creator_refresh_tokens_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "creator_refresh_tokens" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "creator_refresh_tokens" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "creator_refresh_tokens"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));
GRANT SELECT, INSERT ON "creator_refresh_tokens" TO app_user;
GRANT UPDATE (revoked_at, revoked_reason, replaced_by_id) ON "creator_refresh_tokens" TO app_user;

-- Platform staff. Not tenant data: the application role has no access at all; admin log-in
-- goes through the owner connection. RLS is forced with no policy, so even a mistaken grant
-- would expose nothing.
CREATE TABLE "platform_admins" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "display_name" TEXT,
    "disabled_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "platform_admins_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "platform_admins_email_check" CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$')
);
CREATE UNIQUE INDEX "platform_admins_email_key" ON "platform_admins"("email");
ALTER TABLE "platform_admins" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "platform_admins" FORCE ROW LEVEL SECURITY;
REVOKE ALL ON "platform_admins" FROM PUBLIC;
