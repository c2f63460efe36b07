-- Runs once, on the first start of an empty Postgres volume (docker-compose only).
-- Each service creates and migrates its own schema at start; this only enables the trigram extension that the
-- catalog's substring search indexes use, so no service needs to create an extension itself.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
