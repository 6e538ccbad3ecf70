-- Delete the rows of builds no reader reads (etl cleanup), after their events.
ALTER TABLE {{.Table}} DELETE WHERE has(?, build)
