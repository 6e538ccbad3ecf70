-- A build of the current activity rows per month and PCN at @version from
-- the build @prev of the state before load @load and that load's current
-- rows, for a load that superseded no row (current.go: buildCurrent), in
-- the months and PCNs the load has rows for (current_activity_copy.sql
-- copies the others): the new state's rows are the old ones and the load's,
-- summed per month and PCN. Counts and sums add; waits and providers are the
-- two lists together, sorted again; FTE is the sum of the two sums. Not
-- aliased: no alias names a column an aggregate reads (18.16).
INSERT INTO activity_current (build, month, area_code, returns, referrals, accepted, supported, caseload, headcount,
                              fte, waits, providers)
SELECT @build, month, area_code, sum(returns), sum(referrals), sum(accepted), sum(supported), sum(caseload), sum(headcount),
       sum(fte), arraySort(groupArrayArray(waits)), arraySort(groupArrayArray(providers))
FROM (
    SELECT month, area_code, returns, referrals, accepted, supported, caseload, headcount, fte, waits, providers
    FROM activity_current
    WHERE build = @prev AND (month, area_code) IN (SELECT month, area_code FROM activity_rows PREWHERE load_seq = @load)
    UNION ALL
    SELECT month, area_code, returns, referrals, accepted, supported, caseload, headcount, fte, waits, providers
    FROM {{template "activity_sums" "load"}} AS load_rows
) AS parts
GROUP BY month, area_code
