-- A build of the current rows made from an earlier state's build and the
-- sums of the loads committed since (their rows per month and PCN, summed by
-- the loader under a build number of their own), when those loads only
-- added rows (queries.DB.ExtendCurrent): the same rows a build from the
-- storage tables would hold. No aliases: INSERT takes the columns in order.
INSERT INTO pcn_month_current (build, month, area_code, returns, referrals, accepted, supported, caseload, headcount,
                               fte, waits, providers, in_post, trained, people, cohort)
SELECT @build, month, area_code, sum(returns), sum(referrals), sum(accepted), sum(supported), sum(caseload), sum(headcount),
       sum(fte), arraySort(groupArrayArray(waits)), arraySort(groupArrayArray(providers)),
       sumForEach(in_post), sumForEach(trained), sumForEach(people), sumForEach(cohort)
FROM pcn_month_current
WHERE build = @base OR build = @delta
GROUP BY month, area_code
