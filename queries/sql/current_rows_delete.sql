-- Delete the rows of builds no reader reads (etl cleanup), after their events.
ALTER TABLE pcn_month_current DELETE WHERE has(?, build)
