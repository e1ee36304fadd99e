-- The API benchmark's data, in Kickoff's schema: 5 leagues, 40 teams, 20,000 matches,
-- the same shape as the FastAPI peer's seed (../shared/bench/fastapi/seed.sql): kick-offs
-- 37 minutes apart from 2024-08-01, the first 15,000 finished. Home and away sides come
-- from the match number so that the natural key (league, season, teams, date) never clashes.
INSERT INTO leagues (id, code, name, country, external_ids)
SELECT i, (ARRAY['E0','SP1','D1','I1','F1'])[i], (ARRAY['Premier League','La Liga','Bundesliga','Serie A','Ligue 1'])[i],
       (ARRAY['England','Spain','Germany','Italy','France'])[i], '{}'
FROM generate_series(1, 5) AS i;
INSERT INTO teams (id, name, short_name, league_id, external_ids)
SELECT i, 'Team ' || i || ' FC', 'T' || lpad(i::text, 2, '0'), 1 + (i % 5), '{}'
FROM generate_series(1, 40) AS i;
SELECT setseed(0.42);
INSERT INTO matches (league_id, season, match_date, kickoff_at, home_team_id, away_team_id, status,
                     home_goals, away_goals, external_ids, updated_at)
SELECT 1 + (i % 5), '2024-25', (k AT TIME ZONE 'UTC')::date, k, h, 1 + ((h - 1 + 1 + (i / 40) % 39) % 40),
       CASE WHEN i < 15000 THEN 'finished' ELSE 'scheduled' END,
       CASE WHEN i < 15000 THEN (random() * 4)::int END,
       CASE WHEN i < 15000 THEN (random() * 4)::int END,
       '{}', k
FROM (SELECT i, 1 + (i % 40) AS h, timestamptz '2024-08-01 12:00:00+00' + (i * interval '37 minutes') AS k
      FROM generate_series(0, 19999) AS i) s;
VACUUM ANALYZE leagues; VACUUM ANALYZE teams; VACUUM ANALYZE matches;
