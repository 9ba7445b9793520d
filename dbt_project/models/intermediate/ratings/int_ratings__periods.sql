-- The rating periods of each region: every month and every quarter from the
-- one holding the region's first appeal to the one holding its data's as-of
-- (the newest export loaded). A period's snapshot is its end, or the as-of
-- while it is still running; "open", "overdue" and "answered by" are judged
-- at the snapshot, so a closed period's rating does not move as later
-- answers arrive. The SQL is the macro rating_periods(), which
-- int_ratings__measures also computes inline.
select * from ({{ rating_periods() }}) as periods
