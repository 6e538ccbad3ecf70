package main

import (
	"fmt"
	"strings"
)

// clientTable is the comparison table clickhouse-client inserts into: the
// contract's columns in the file's order, typed as in spdash's storage
// (queries/migrations/001_schema.sql) except month and financial_year, which
// are String because ClickHouse cannot parse "YYYY-MM" as a Date. It is
// partitioned by year and ordered by the natural key like spdash's tables, so
// the server does the same kind of work for both tools.
type clientTable struct {
	cols      [][2]string // name, type
	partition string      // PARTITION BY expression, "" for none
	key       []string    // ORDER BY
}

func (t clientTable) columns() []string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c[0]
	}
	return names
}

func (t clientTable) ddl(db, name string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "CREATE TABLE %s.%s (\n", db, name)
	for i, c := range t.cols {
		sep := ","
		if i == len(t.cols)-1 {
			sep = ""
		}
		fmt.Fprintf(&sb, "    %s %s%s\n", c[0], c[1], sep)
	}
	sb.WriteString(") ENGINE = MergeTree()")
	if t.partition != "" {
		sb.WriteString(" PARTITION BY " + t.partition)
	}
	sb.WriteString(" ORDER BY (" + strings.Join(t.key, ", ") + ")")
	return sb.String()
}

const (
	moduleEnum  = "Enum8('employment_support' = 1, 'benefits_and_debt' = 2, 'health_and_work_conversations' = 3, 'ips_awareness' = 4, 'mental_health_awareness' = 5, 'personalised_care_core' = 6)"
	outcomeEnum = "Enum8('entered_employment' = 1, 'retained_employment' = 2, 'started_job_search' = 3, 'entered_education_training' = 4, 'entered_volunteering' = 5, 'improved_work_readiness' = 6, 'improved_wellbeing' = 7)"
	streamEnum  = "Enum8('arrs' = 1, 'icb' = 2, 'local_authority' = 3, 'charity' = 4, 'other' = 5)"
	yearOfMonth = "substring(month, 1, 4)"
)

var clientTables = map[string]clientTable{
	"activity": {
		cols: [][2]string{{"month", "String"}, {"area_code", "String"}, {"provider_code", "String"},
			{"referrals_received", "UInt32"}, {"referrals_accepted", "UInt32"}, {"people_supported", "UInt32"},
			{"active_caseload", "UInt32"}, {"link_worker_headcount", "UInt32"}, {"link_worker_fte", "Float64"},
			{"median_wait_days", "Nullable(Float64)"}},
		partition: yearOfMonth,
		key:       []string{"area_code", "month", "provider_code"},
	},
	"training": {
		cols: [][2]string{{"month", "String"}, {"area_code", "String"}, {"provider_code", "String"},
			{"module", moduleEnum}, {"staff_in_post", "UInt32"}, {"staff_trained", "UInt32"}},
		partition: yearOfMonth,
		key:       []string{"area_code", "month", "provider_code", "module"},
	},
	"outcomes": {
		cols: [][2]string{{"month", "String"}, {"area_code", "String"}, {"provider_code", "String"},
			{"outcome", outcomeEnum}, {"people", "UInt32"}, {"cohort", "UInt32"}},
		partition: yearOfMonth,
		key:       []string{"area_code", "month", "provider_code", "outcome"},
	},
	"funding": {
		cols: [][2]string{{"financial_year", "String"}, {"area_code", "String"}, {"stream", streamEnum},
			{"amount_gbp", "Decimal(18, 2)"}},
		key: []string{"area_code", "financial_year", "stream"},
	},
}
