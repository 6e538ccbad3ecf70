INSERT INTO pcn_month_current (build, month, area_code, returns, referrals, accepted, supported, caseload, headcount,
                               fte, waits, providers, in_post, trained, people, cohort)
