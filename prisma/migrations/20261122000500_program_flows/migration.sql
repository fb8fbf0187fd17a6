-- Program flow versions. Publishing a program bumps its version; the flow it had at that moment
-- is kept here, immutable, so that every enrollment walks the version it started on while the
-- program's own flow_definition is edited towards the next one.

CREATE TABLE "program_versions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "program_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "flow_definition" JSONB NOT NULL,
    "published_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "program_versions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "program_versions_version_check" CHECK (version >= 1),
    CONSTRAINT "program_versions_flow_definition_check" CHECK (jsonb_typeof(flow_definition) = 'object')
);
CREATE UNIQUE INDEX "program_versions_creator_id_id_key" ON "program_versions"("creator_id", "id");
CREATE UNIQUE INDEX "program_versions_creator_id_program_id_version_key" ON "program_versions"("creator_id", "program_id", "version");
ALTER TABLE "program_versions" ADD CONSTRAINT "program_versions_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "program_versions" ADD CONSTRAINT "program_versions_creator_id_program_id_fkey" FOREIGN KEY ("creator_id", "program_id") REFERENCES "programs"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "program_versions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "program_versions" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "program_versions"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));
-- Written only by the publish trigger below (SECURITY DEFINER), never changed: no one can plant
-- the flow of a version.
GRANT SELECT ON "program_versions" TO app_user;

-- A program that is published (created so, or published again: its version moved) records the
-- flow of that version, whoever writes.
CREATE OR REPLACE FUNCTION app.snapshot_program_version() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF NEW.status = 'published' AND (TG_OP = 'INSERT' OR NEW.version IS DISTINCT FROM OLD.version OR OLD.status <> 'published') THEN
    INSERT INTO program_versions (creator_id, program_id, version, flow_definition, published_at)
      VALUES (NEW.creator_id, NEW.id, NEW.version, NEW.flow_definition, coalesce(NEW.published_at, now()))
      ON CONFLICT (creator_id, program_id, version) DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION app.snapshot_program_version() FROM PUBLIC;
CREATE TRIGGER snapshot_program_version AFTER INSERT OR UPDATE ON "programs" FOR EACH ROW EXECUTE FUNCTION app.snapshot_program_version();

-- An enrollment's current step must be a step of the flow version it walks (when that version
-- was published with a flow; drafts enrolled by hand have none).
CREATE OR REPLACE FUNCTION app.check_enrollment_step() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  flow jsonb;
BEGIN
  IF NEW.current_step IS NULL THEN RETURN NEW; END IF;
  SELECT v.flow_definition INTO flow FROM program_versions v
    WHERE v.creator_id = NEW.creator_id AND v.program_id = NEW.program_id AND v.version = NEW.program_version;
  IF flow IS NOT NULL AND jsonb_typeof(flow -> 'steps') = 'array'
     AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(flow -> 'steps') AS s WHERE s ->> 'id' = NEW.current_step) THEN
    RAISE EXCEPTION 'step "%" is not in version % of the program''s flow', NEW.current_step, NEW.program_version
      USING ERRCODE = 'check_violation', CONSTRAINT = 'program_enrollments_current_step_check';
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION app.check_enrollment_step() FROM PUBLIC;
CREATE TRIGGER check_enrollment_step BEFORE INSERT OR UPDATE OF current_step, program_version ON "program_enrollments"
  FOR EACH ROW EXECUTE FUNCTION app.check_enrollment_step();

-- Published programs so far: their current flow is their current version's.
INSERT INTO program_versions (creator_id, program_id, version, flow_definition, published_at)
  SELECT creator_id, id, version, flow_definition, coalesce(published_at, now()) FROM programs WHERE status = 'published'
  ON CONFLICT DO NOTHING;

-- One completion achievement per enrollment, whoever writes.
CREATE UNIQUE INDEX "achievements_creator_id_completion_key" ON "achievements"("creator_id", ((achievement_data ->> 'enrollmentId')))
  WHERE achievement_type = 'program_completed' AND achievement_data ? 'enrollmentId';
