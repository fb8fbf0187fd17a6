-- Triggers: updated_at and counters.
--
-- Counters (programs.enrollment_count, badges.awarded_count, conversations.message_count and
-- last_message_at, channels.user_count, knowledge_bases.document_count, documents.chunk_count)
-- are maintained here, so they stay true whoever writes: this server, a job, or psql.
--
-- The counter functions are statement-level with transition tables: a bulk insert of 10,000
-- enrollments costs one grouped UPDATE of the parents, not 10,000. They are SECURITY DEFINER
-- because the application role has no UPDATE grant on counter columns; search_path is pinned
-- so that the definer's rights cannot be hijacked through an object the caller creates. The
-- rows they read come from the transition table, which already passed the caller's row-level
-- security checks, and every parent is matched on (creator_id, id).

CREATE OR REPLACE FUNCTION app.set_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['creators', 'users', 'programs', 'conversations', 'user_profiles',
    'badges', 'engagement_metrics', 'program_analytics', 'knowledge_bases', 'documents',
    'channels', 'widget_configs', 'subscriptions', 'usage_tracking', 'api_keys']
  LOOP
    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION app.set_updated_at()', t);
  END LOOP;
END
$$;

-- A new parent starts with the true count of its children: zero, except for channels, which
-- count users who arrived on that channel type before the channel row was created.
CREATE OR REPLACE FUNCTION app.init_counters() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  CASE TG_TABLE_NAME
    WHEN 'programs' THEN NEW.enrollment_count := 0;
    WHEN 'badges' THEN NEW.awarded_count := 0;
    WHEN 'conversations' THEN NEW.message_count := 0; NEW.last_message_at := NULL;
    WHEN 'knowledge_bases' THEN NEW.document_count := 0;
    WHEN 'documents' THEN NEW.chunk_count := 0;
    WHEN 'channels' THEN
      NEW.user_count := (SELECT count(*) FROM public.users u
                         WHERE u.creator_id = NEW.creator_id AND u.channel = NEW.channel_type);
  END CASE;
  RETURN NEW;
END
$$;

CREATE TRIGGER init_counters BEFORE INSERT ON "programs" FOR EACH ROW EXECUTE FUNCTION app.init_counters();
CREATE TRIGGER init_counters BEFORE INSERT ON "badges" FOR EACH ROW EXECUTE FUNCTION app.init_counters();
CREATE TRIGGER init_counters BEFORE INSERT ON "conversations" FOR EACH ROW EXECUTE FUNCTION app.init_counters();
CREATE TRIGGER init_counters BEFORE INSERT ON "knowledge_bases" FOR EACH ROW EXECUTE FUNCTION app.init_counters();
CREATE TRIGGER init_counters BEFORE INSERT ON "documents" FOR EACH ROW EXECUTE FUNCTION app.init_counters();
CREATE TRIGGER init_counters BEFORE INSERT ON "channels" FOR EACH ROW EXECUTE FUNCTION app.init_counters();

-- programs.enrollment_count
CREATE OR REPLACE FUNCTION app.count_enrollments() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE public.programs p SET enrollment_count = p.enrollment_count + d.n
      FROM (SELECT creator_id, program_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE p.creator_id = d.creator_id AND p.id = d.program_id;
  ELSE
    UPDATE public.programs p SET enrollment_count = p.enrollment_count - d.n
      FROM (SELECT creator_id, program_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE p.creator_id = d.creator_id AND p.id = d.program_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER count_enrollments_insert AFTER INSERT ON "program_enrollments"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_enrollments();
CREATE TRIGGER count_enrollments_delete AFTER DELETE ON "program_enrollments"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_enrollments();

-- badges.awarded_count
CREATE OR REPLACE FUNCTION app.count_awards() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE public.badges b SET awarded_count = b.awarded_count + d.n
      FROM (SELECT creator_id, badge_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE b.creator_id = d.creator_id AND b.id = d.badge_id;
  ELSE
    UPDATE public.badges b SET awarded_count = b.awarded_count - d.n
      FROM (SELECT creator_id, badge_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE b.creator_id = d.creator_id AND b.id = d.badge_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER count_awards_insert AFTER INSERT ON "user_badges"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_awards();
CREATE TRIGGER count_awards_delete AFTER DELETE ON "user_badges"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_awards();

-- conversations.message_count and last_message_at
CREATE OR REPLACE FUNCTION app.count_messages() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE public.conversations c
       SET message_count = c.message_count + d.n,
           last_message_at = GREATEST(c.last_message_at, d.last_at)
      FROM (SELECT creator_id, conversation_id, count(*) AS n, max(created_at) AS last_at
              FROM new_rows GROUP BY 1, 2) d
      WHERE c.creator_id = d.creator_id AND c.id = d.conversation_id;
  ELSE
    UPDATE public.conversations c
       SET message_count = c.message_count - d.n,
           last_message_at = (SELECT max(m.created_at) FROM public.messages m
                               WHERE m.creator_id = c.creator_id AND m.conversation_id = c.id)
      FROM (SELECT creator_id, conversation_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE c.creator_id = d.creator_id AND c.id = d.conversation_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER count_messages_insert AFTER INSERT ON "messages"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_messages();
CREATE TRIGGER count_messages_delete AFTER DELETE ON "messages"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_messages();

-- channels.user_count (users are counted on the channel of their type)
CREATE OR REPLACE FUNCTION app.count_channel_users() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE public.channels ch SET user_count = ch.user_count + d.n
      FROM (SELECT creator_id, channel, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE ch.creator_id = d.creator_id AND ch.channel_type = d.channel;
  ELSE
    UPDATE public.channels ch SET user_count = ch.user_count - d.n
      FROM (SELECT creator_id, channel, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE ch.creator_id = d.creator_id AND ch.channel_type = d.channel;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER count_channel_users_insert AFTER INSERT ON "users"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_channel_users();
CREATE TRIGGER count_channel_users_delete AFTER DELETE ON "users"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_channel_users();

-- A user who changes channel moves between channel counters. Row-level and guarded by WHEN,
-- so ordinary user updates (last_active_at, profile) never touch the channel row.
CREATE OR REPLACE FUNCTION app.move_channel_user() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  UPDATE public.channels SET user_count = user_count - 1
    WHERE creator_id = OLD.creator_id AND channel_type = OLD.channel;
  UPDATE public.channels SET user_count = user_count + 1
    WHERE creator_id = NEW.creator_id AND channel_type = NEW.channel;
  RETURN NULL;
END
$$;
CREATE TRIGGER move_channel_user AFTER UPDATE OF channel ON "users"
  FOR EACH ROW WHEN (OLD.channel IS DISTINCT FROM NEW.channel) EXECUTE FUNCTION app.move_channel_user();

-- knowledge_bases.document_count
CREATE OR REPLACE FUNCTION app.count_documents() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE public.knowledge_bases k SET document_count = k.document_count + d.n
      FROM (SELECT creator_id, knowledge_base_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE k.creator_id = d.creator_id AND k.id = d.knowledge_base_id;
  ELSE
    UPDATE public.knowledge_bases k SET document_count = k.document_count - d.n
      FROM (SELECT creator_id, knowledge_base_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE k.creator_id = d.creator_id AND k.id = d.knowledge_base_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER count_documents_insert AFTER INSERT ON "documents"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_documents();
CREATE TRIGGER count_documents_delete AFTER DELETE ON "documents"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_documents();

-- documents.chunk_count
CREATE OR REPLACE FUNCTION app.count_chunks() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE public.documents doc SET chunk_count = doc.chunk_count + d.n
      FROM (SELECT creator_id, document_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE doc.creator_id = d.creator_id AND doc.id = d.document_id;
  ELSE
    UPDATE public.documents doc SET chunk_count = doc.chunk_count - d.n
      FROM (SELECT creator_id, document_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE doc.creator_id = d.creator_id AND doc.id = d.document_id;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER count_chunks_insert AFTER INSERT ON "document_chunks"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_chunks();
CREATE TRIGGER count_chunks_delete AFTER DELETE ON "document_chunks"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_chunks();

-- Trigger functions are not for direct calls.
REVOKE ALL ON FUNCTION app.set_updated_at(), app.init_counters(), app.count_enrollments(),
  app.count_awards(), app.count_messages(), app.count_channel_users(), app.move_channel_user(), app.count_documents(),
  app.count_chunks() FROM PUBLIC;
