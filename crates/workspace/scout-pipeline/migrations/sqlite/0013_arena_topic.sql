-- Ballot packets: a committee session may name the topic (the List text its finalists came
-- from); each ballot side then explains the finalist's papers for that topic. Optional: a
-- session without one shows the finalists' strongest papers by impact.
ALTER TABLE arena_sessions ADD COLUMN topic TEXT;
