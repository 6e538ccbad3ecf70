package etl

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// valueCase is one value of one column: either valid, parsed to want (see
// showValue), or invalid with a reason containing reason.
type valueCase struct {
	kind, column, in string
	want             string // when valid
	reason           string // when invalid
}

// showValue shows the parsed value of a column of type c.Type.
func showValue(t *testing.T, c *Column, v Value) string {
	t.Helper()
	if v.Null {
		return "NULL"
	}
	switch c.Type {
	case TypeCount:
		if v.Float != float64(v.Count) {
			t.Errorf("Count %d but Float %g", v.Count, v.Float)
		}
		return strconv.FormatUint(uint64(v.Count), 10)
	case TypeDecimal:
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	case TypeMoney:
		if f := v.Money.InexactFloat64(); f != v.Float {
			t.Errorf("Money %s but Float %g", v.Money, v.Float)
		}
		return v.Money.String()
	case TypeMonth:
		if v.Month.Location() != time.UTC {
			t.Errorf("month %v is not in UTC", v.Month)
		}
		return v.Month.Format(time.RFC3339Nano)
	}
	return v.Str
}

func valueCases() []valueCase {
	cases := []valueCase{
		// Codes: 1–16 of A-Z a-z 0-9 _ -, stored upper-cased.
		{"activity", "provider_code", "P1", "P1", ""},
		{"activity", "provider_code", "p1", "P1", ""},
		{"activity", "provider_code", "rXy-12_z", "RXY-12_Z", ""},
		{"activity", "provider_code", "X", "X", ""},
		{"activity", "provider_code", "0", "0", ""},
		{"activity", "provider_code", "_-", "_-", ""},
		{"activity", "provider_code", "abcdefghijklmnop", "ABCDEFGHIJKLMNOP", ""},
		{"activity", "provider_code", "ABCDEFGHIJKLMNOPQ", "", "a code has 1 to 16 characters"},
		{"activity", "provider_code", "P 1", "", "only letters A-Z, digits, _ and -"},
		{"activity", "provider_code", "Pé", "", "only letters A-Z, digits, _ and -"},
		{"activity", "provider_code", "é", "", "only letters A-Z, digits, _ and -"},
		{"activity", "provider_code", "P.1", "", "only letters A-Z, digits, _ and -"},
		{"activity", "provider_code", "P/1", "", "only letters A-Z, digits, _ and -"},
		{"activity", "area_code", "u12345", "U12345", ""},
		{"activity", "area_code", "U12345!", "", "only letters"},
		{"areas", "icb_code", "qwe", "QWE", ""},
		{"areas", "region_code", "y56", "Y56", ""},
		{"areas", "region_code", "Y5\u00a06", "", "only letters"},

		// Text: any non-empty text, kept as it is.
		{"areas", "area_name", `St. Mary's, "Old" Town – PCN`, `St. Mary's, "Old" Town – PCN`, ""},

		// Integers ≥ 0: base-10, no separators.
		{"activity", "people_supported", "0", "0", ""},
		{"activity", "people_supported", "25", "25", ""},
		{"activity", "people_supported", "007", "7", ""},
		{"activity", "people_supported", "4294967295", "4294967295", ""},
		{"activity", "people_supported", "00004294967295", "4294967295", ""},
		{"activity", "people_supported", "4294967296", "", "is too large (at most 4294967295)"},
		{"activity", "people_supported", "99999999999999999999999", "", "is too large"},
		{"activity", "people_supported", "-1", "", "must be ≥ 0"},
		{"activity", "people_supported", "1,000", "", "without thousands separators"},
		{"activity", "people_supported", "1 000", "", "without thousands separators"},
		{"activity", "people_supported", "1_000", "", "without thousands separators"},
		{"activity", "people_supported", "1.5", "", "must be a whole number"},
		{"activity", "people_supported", "1.0", "", "must be a whole number"},
		{"activity", "people_supported", "1e3", "", "must be a whole number (base-10 digits)"},
		{"activity", "people_supported", "0x10", "", "must be a whole number (base-10 digits)"},
		{"activity", "people_supported", "+", "", "must be a whole number (base-10 digits)"},
		{"activity", "people_supported", "-", "", "must be a whole number (base-10 digits)"},
		{"activity", "people_supported", "abc", "", "must be a whole number (base-10 digits)"},
		{"activity", "people_supported", "١٢", "", "must be a whole number (base-10 digits)"},
		// The contract is silent on signs: a + sign is accepted, as on decimals.
		{"activity", "people_supported", "+5", "5", ""},
		{"activity", "people_supported", "+-5", "", "must be a whole number (base-10 digits)"},

		// Decimals ≥ 0 with '.'.
		{"areas", "imd_score", "0", "0", ""},
		{"areas", "imd_score", "12.50", "12.5", ""},
		{"areas", "imd_score", ".5", "0.5", ""},
		{"areas", "imd_score", "5.", "5", ""},
		{"areas", "imd_score", "007.25", "7.25", ""},
		{"areas", "imd_score", "-0", "0", ""}, // minus zero is zero (stored as +0)
		{"areas", "imd_score", "1,5", "", "with . as the decimal point"},
		{"areas", "imd_score", "1,000.5", "", "no thousands separators"},
		{"areas", "imd_score", "1e3", "", "must be a decimal number such as 12.5"},
		{"areas", "imd_score", "NaN", "", "must be a decimal number"},
		{"areas", "imd_score", "Inf", "", "must be a decimal number"},
		{"areas", "imd_score", "-Inf", "", "must be a decimal number"},
		{"areas", "imd_score", "infinity", "", "must be a decimal number"},
		{"areas", "imd_score", ".", "", "must be a decimal number"},
		{"areas", "imd_score", "1.2.3", "", "must be a decimal number"},
		{"areas", "imd_score", "0x1p3", "", "must be a decimal number"},
		{"areas", "imd_score", "-0.5", "", "must be ≥ 0"},
		{"areas", "imd_score", strings.Repeat("9", 400), "", "is out of range"},
		{"activity", "link_worker_fte", "2.75", "2.75", ""},
		{"activity", "link_worker_fte", "-1", "", "must be ≥ 0"},
		{"activity", "median_wait_days", "1e3", "", "must be a decimal number"},
		// long_term_sick_rate is a percentage, 0–100.
		{"areas", "long_term_sick_rate", "0", "0", ""},
		{"areas", "long_term_sick_rate", "100", "100", ""},
		{"areas", "long_term_sick_rate", "100.00", "100", ""},
		{"areas", "long_term_sick_rate", "4.2", "4.2", ""},
		{"areas", "long_term_sick_rate", "100.01", "", "must be between 0 and 100"},
		{"areas", "long_term_sick_rate", "101", "", "must be between 0 and 100"},
		{"areas", "long_term_sick_rate", "-0.1", "", "must be between 0 and 100"},
		{"areas", "long_term_sick_rate", "4,2", "", "with . as the decimal point"},

		// Money: decimal ≥ 0, at most 2 decimal places.
		{"funding", "amount_gbp", "0", "0", ""},
		{"funding", "amount_gbp", "1.2", "1.2", ""},
		{"funding", "amount_gbp", "12500.00", "12500", ""},
		{"funding", "amount_gbp", "12.50", "12.5", ""},
		{"funding", "amount_gbp", ".75", "0.75", ""},
		{"funding", "amount_gbp", "0.01", "0.01", ""},
		{"funding", "amount_gbp", "9999999999999999.99", "9999999999999999.99", ""},
		{"funding", "amount_gbp", "1.234", "", "must have at most 2 decimal places"},
		{"funding", "amount_gbp", "0.001", "", "must have at most 2 decimal places"},
		// The code's choice: decimal places are counted as written, so a
		// trailing zero counts.
		{"funding", "amount_gbp", "12.500", "", "must have at most 2 decimal places"},
		{"funding", "amount_gbp", "-0.00", "0", ""}, // minus zero is zero
		{"funding", "amount_gbp", "-1", "", "must be ≥ 0"},
		{"funding", "amount_gbp", "-0.01", "", "must be ≥ 0"},
		{"funding", "amount_gbp", "1,000.00", "", "no thousands separators"},
		{"funding", "amount_gbp", "1,5", "", "with . as the decimal point"},
		{"funding", "amount_gbp", "£100", "", "must be a decimal number"},
		{"funding", "amount_gbp", "1e3", "", "must be a decimal number"},
		{"funding", "amount_gbp", "NaN", "", "must be a decimal number"},
		// The code's choice: Decimal(18, 2) holds 16 digits before the point.
		{"funding", "amount_gbp", "12345678901234567", "", "is too large"},

		// Months: YYYY-MM, 2000-01..2099-12, the first of the month UTC.
		{"activity", "month", "2024-07", "2024-07-01T00:00:00Z", ""},
		{"activity", "month", "2000-01", "2000-01-01T00:00:00Z", ""},
		{"activity", "month", "2099-12", "2099-12-01T00:00:00Z", ""},
		{"activity", "month", "2024-7", "", "must be a month YYYY-MM between 2000-01 and 2099-12"},
		{"activity", "month", "2024-13", "", "must be a month YYYY-MM"},
		{"activity", "month", "2024-00", "", "must be a month YYYY-MM"},
		{"activity", "month", "1999-12", "", "between 2000-01 and 2099-12"},
		{"activity", "month", "2100-01", "", "between 2000-01 and 2099-12"},
		{"activity", "month", "2024/07", "", "must be a month YYYY-MM"},
		{"activity", "month", "24-07", "", "must be a month YYYY-MM"},
		{"activity", "month", "2024-07-01", "", "must be a month YYYY-MM"},
		{"activity", "month", "July 2024", "", "must be a month YYYY-MM"},
		{"activity", "month", "2024-+7", "", "must be a month YYYY-MM"},
		{"training", "month", "2024-12", "2024-12-01T00:00:00Z", ""},
		{"outcomes", "month", "2024-1", "", "must be a month YYYY-MM"},

		// Financial years: YYYY-YY, YY the next year.
		{"funding", "financial_year", "2024-25", "2024-25", ""},
		{"funding", "financial_year", "2000-01", "2000-01", ""},
		{"funding", "financial_year", "2099-00", "2099-00", ""},
		{"funding", "financial_year", "2024-26", "", "the second year must follow the first: 2024-25"},
		{"funding", "financial_year", "2024-24", "", "the second year must follow the first: 2024-25"},
		{"funding", "financial_year", "2024-2025", "", "must be a financial year YYYY-YY"},
		{"funding", "financial_year", "24-25", "", "must be a financial year YYYY-YY"},
		{"funding", "financial_year", "2024/25", "", "must be a financial year YYYY-YY"},
		{"funding", "financial_year", "2024", "", "must be a financial year YYYY-YY"},
		// The code's choice (the contract gives no range): years 2000 to 2099,
		// like months, so 1999-00 is refused while 2099-00 is accepted.
		{"funding", "financial_year", "1999-00", "", "must be a financial year YYYY-YY, such as 2024-25, between 2000-01 and 2099-00"},
		{"funding", "financial_year", "2100-01", "", "must be a financial year YYYY-YY"},
	}
	// Enums: each value accepted in any letter case, stored as the contract
	// writes it; an unknown value is refused with the list of values.
	enums := []struct {
		kind, column string
		values       []string
	}{
		{"training", "module", contractModules},
		{"outcomes", "outcome", contractOutcomes},
		{"funding", "stream", contractStreams},
	}
	for _, e := range enums {
		for _, v := range e.values {
			cases = append(cases,
				valueCase{e.kind, e.column, v, v, ""},
				valueCase{e.kind, e.column, strings.ToUpper(v), v, ""},
				valueCase{e.kind, e.column, strings.ToUpper(v[:1]) + v[1:], v, ""})
		}
		list := "must be one of " + strings.Join(e.values, ", ")
		cases = append(cases,
			valueCase{e.kind, e.column, "unknown", "", list},
			valueCase{e.kind, e.column, e.values[0] + "s", "", list},
			valueCase{e.kind, e.column, "none", "", list},
			valueCase{e.kind, e.column, strings.ReplaceAll(e.values[len(e.values)-3], "_", " "), "", list},
			valueCase{e.kind, e.column, strings.ReplaceAll(e.values[len(e.values)-3], "_", "-"), "", list})
	}
	return cases
}

func columnOf(t *testing.T, kind, name string) *Column {
	t.Helper()
	k := kindNamed(t, kind)
	i := k.columnIndex(name)
	if i < 0 {
		t.Fatalf("%s has no column %s", kind, name)
	}
	return &k.Columns[i]
}

// TestValueParse checks each value against its column's type directly.
func TestValueParse(t *testing.T) {
	for _, tc := range valueCases() {
		t.Run(tc.kind+"/"+tc.column+"/"+tc.in, func(t *testing.T) {
			c := columnOf(t, tc.kind, tc.column)
			var v Value
			reason := parseValue(c, tc.in, &v)
			if tc.reason != "" {
				if !strings.Contains(reason, tc.reason) {
					t.Errorf("parseValue(%q) reason %q, want one containing %q", tc.in, reason, tc.reason)
				}
				return
			}
			if reason != "" {
				t.Fatalf("parseValue(%q) refused: %s", tc.in, reason)
			}
			if got := showValue(t, c, v); got != tc.want {
				t.Errorf("parseValue(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// TestValueInFile checks each value on line 3 of a file, surrounded by
// spaces: the problem names line 3, the column and the trimmed value; a valid
// value makes no problem.
func TestValueInFile(t *testing.T) {
	for _, tc := range valueCases() {
		t.Run(tc.kind+"/"+tc.column+"/"+tc.in, func(t *testing.T) {
			v := validateContent(t, tc.kind+".csv", rowFile(tc.kind, map[string]string{tc.column: " " + tc.in + "  "}), nil)
			if tc.reason == "" {
				checkProblems(t, v.problems)
				return
			}
			checkProblems(t, v.problems, at3(tc.column, tc.reason, tc.in))
			if v.res.Status != ResultInvalid || v.res.RowsRejected != 1 || v.res.RowsLoaded != 2 {
				t.Errorf("result %+v, want invalid with 1 row rejected", v.res)
			}
		})
	}
}

// The parsed values of a valid row go where the loader expects them.
func TestValueRowValues(t *testing.T) {
	rows, problems := checkRows(t, "activity", testFile("activity", nil, map[string]string{"area_code": "u1", "provider_code": " p1 ", "month": "2024-07"}))
	checkProblems(t, problems)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	r := rows[0]
	if r.Line != 2 {
		t.Errorf("Line %d, want 2", r.Line)
	}
	if got := rowValue(t, "activity", r, "area_code").Str; got != "U1" {
		t.Errorf("area_code %q", got)
	}
	if got := rowValue(t, "activity", r, "provider_code").Str; got != "P1" {
		t.Errorf("provider_code %q", got)
	}
	if got := rowValue(t, "activity", r, "month").Month; !got.Equal(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("month %v", got)
	}
	if got := rowValue(t, "activity", r, "referrals_received"); got.Count != 40 || got.Float != 40 {
		t.Errorf("referrals_received %+v", got)
	}
	if got := rowValue(t, "activity", r, "link_worker_fte").Float; got != 2.5 {
		t.Errorf("link_worker_fte %g", got)
	}
	if got := rowValue(t, "activity", r, "median_wait_days"); got.Null || got.Float != 7.5 {
		t.Errorf("median_wait_days %+v", got)
	}
	// Minus zero is stored as zero.
	rows, _ = checkRows(t, "areas", testFile("areas", nil, map[string]string{"imd_score": "-0.0"}))
	if len(rows) != 1 || math.Signbit(rowValue(t, "areas", rows[0], "imd_score").Float) {
		t.Errorf("imd_score -0.0: %+v", rows)
	}
}

// A month repeated over rows (the code remembers the last one) still gives
// each row its own month, and a bad month after a good one is still refused.
func TestValueMonthRepeated(t *testing.T) {
	content := testFile("activity", nil,
		map[string]string{"month": "2024-07", "provider_code": "P1"},
		map[string]string{"month": "2024-07", "provider_code": "P2"},
		map[string]string{"month": "2024-08", "provider_code": "P1"},
		map[string]string{"month": "2024-13", "provider_code": "P2"},
		map[string]string{"month": "2024-08", "provider_code": "P3"},
		map[string]string{"month": "2024-07", "provider_code": "P3"})
	rows, problems := checkRows(t, "activity", content)
	checkProblems(t, problems, wantProblem{5, "month", "must be a month", "2024-13"})
	var got []string
	for _, r := range rows {
		got = append(got, rowValue(t, "activity", r, "month").Month.Format("2006-01-02")+"/"+rowValue(t, "activity", r, "provider_code").Str)
	}
	if want := "2024-07-01/P1 2024-07-01/P2 2024-08-01/P1 2024-08-01/P3 2024-07-01/P3"; strings.Join(got, " ") != want {
		t.Errorf("months %v, want %s", got, want)
	}
}
