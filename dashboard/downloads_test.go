package dashboard_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"spdash/dashboard"
	"spdash/etl/etltest"
	"spdash/queries"
	"spdash/queries/testdb"
)

// readCSVDownload fetches a download and returns its header and rows.
func readCSVDownload(t *testing.T, srvURL string, get func(string) (int, map[string][]string, string), path string) ([]string, []map[string]string) {
	t.Helper()
	status, header, body := get(path)
	if status != 200 {
		t.Fatalf("%s: %d %.300s", path, status, body)
	}
	if ct := strings.Join(header["Content-Type"], ""); ct != "text/csv; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	if cd := strings.Join(header["Content-Disposition"], ""); !strings.HasPrefix(cd, "attachment; filename=\"spdash-") || !strings.HasSuffix(cd, ".csv\"") {
		t.Errorf("%s: Content-Disposition %q", path, cd)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: not RFC 4180 CSV: %v", path, err)
	}
	if !strings.Contains(body, "\r\n") {
		t.Errorf("%s: lines do not end in CRLF", path)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}

// cellMatches says whether a CSV cell shows an API value: "*" for a withheld
// one (null and named in suppressed), empty for an unknown one (null), else
// the same number.
func cellMatches(cell string, v any, withheld bool) bool {
	switch x := v.(type) {
	case nil:
		if withheld {
			return cell == "*"
		}
		return cell == ""
	case float64:
		n, err := strconv.ParseFloat(cell, 64)
		return err == nil && (n == x || math.Abs(n-x) <= 1e-12*math.Abs(x))
	case string:
		return cell == x
	}
	return false
}

// Every figure in every CSV report equals the API's for the same selection,
// with disclosure control on.
func TestDownloadCSVEqualsTheAPI(t *testing.T) {
	srv, db := pageServer(t)
	region, _, _ := firstAreas(t, db)
	getter := func(p string) (int, map[string][]string, string) {
		status, h, body := get(t, srv, p)
		return status, h, body
	}
	query := "?place=" + region + "&level=pcn&from=2026-09&to=2026-09" // one month: small counts, some withheld
	_, _, raw := get(t, srv, "/api/v1/metrics"+query)
	var doc struct {
		England map[string]any   `json:"england"`
		Areas   []map[string]any `json:"areas"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	byCode := map[string]map[string]any{"E92000001": doc.England}
	for _, a := range doc.Areas {
		byCode[a["code"].(string)] = a
	}
	suppressed := func(obj map[string]any, name string) bool {
		list, _ := obj["suppressed"].([]any)
		for _, s := range list {
			if s == name {
				return true
			}
		}
		return false
	}
	lookup := func(obj map[string]any, path ...string) any {
		var cur any = obj
		for _, p := range path {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[p]
		}
		return cur
	}
	identity := map[string]bool{"code": true, "name": true, "level": true, "parent_code": true, "parent_name": true, "period_from": true,
		"period_to": true, "financial_year": true, "module": true, "outcome": true, "disclosure": true, "data_version": true}
	checked, withheld := 0, 0
	for _, report := range []string{"capacity", "training", "outcomes", "funding"} {
		header, rows := readCSVDownload(t, srv.URL, getter, "/download/"+report+".csv"+query)
		if len(rows) == 0 {
			t.Fatalf("%s: no rows", report)
		}
		for _, row := range rows {
			obj := byCode[row["code"]]
			if obj == nil {
				t.Fatalf("%s: row for %s, not in the API", report, row["code"])
			}
			if row["disclosure"] != "on" || row["data_version"] == "" {
				t.Errorf("%s: disclosure %q, data version %q", report, row["disclosure"], row["data_version"])
			}
			for _, col := range header {
				if identity[col] {
					continue
				}
				var path []string
				name := col
				switch {
				case report == "training":
					path, name = []string{"training", row["module"], col}, "training."+row["module"]+"."+col
				case report == "outcomes":
					path, name = []string{"outcomes", row["outcome"], col}, "outcomes."+row["outcome"]+"."+col
				case strings.HasPrefix(col, "sp_appointments_") && col != "sp_appointments_per_1k":
					status := strings.TrimPrefix(col, "sp_appointments_")
					path, name = []string{"sp_appointments", status}, "sp_appointments."+status
				case strings.HasPrefix(col, "funding_") && col != "funding_per_1k":
					stream := strings.TrimPrefix(col, "funding_")
					path, name = []string{"funding_by_stream", stream}, "funding_by_stream."+stream
				default:
					path = []string{col}
				}
				v := lookup(obj, path...)
				w := suppressed(obj, name)
				if col == "compared" && v == nil && row["code"] == "E92000001" {
					if row[col] != "" {
						t.Errorf("England's %s compared = %q, want empty", row["outcome"], row[col])
					}
					continue
				}
				if !cellMatches(row[col], v, w) {
					t.Errorf("%s %s %s: CSV %q, API %v (withheld %v)", report, row["code"], name, row[col], v, w)
				}
				checked++
				if w {
					withheld++
				}
			}
		}
	}
	if withheld == 0 || checked < 300 {
		t.Errorf("%d cells checked, %d withheld: the test does not see disclosure control", checked, withheld)
	}

	// The targeting report is the targeting API's.
	tq := query + "&budget=3000000&need_weight=2"
	_, _, traw := get(t, srv, "/api/v1/targeting"+tq)
	var tdoc struct {
		Areas []map[string]any `json:"areas"`
	}
	if err := json.Unmarshal([]byte(traw), &tdoc); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSVDownload(t, srv.URL, getter, "/download/targeting.csv"+tq)
	if len(rows) != len(tdoc.Areas) {
		t.Fatalf("targeting: %d rows, %d areas", len(rows), len(tdoc.Areas))
	}
	for i, a := range tdoc.Areas {
		row := rows[i]
		for _, col := range []string{"code", "rank", "need_index", "gap_cost", "priority", "allocation", "funded_fte", "training_places", "expected_extra_people"} {
			if !cellMatches(row[col], a[col], false) {
				t.Errorf("targeting %s %s: CSV %q, API %v", a["code"], col, row[col], a[col])
			}
		}
		for o, v := range a["expected_extra_outcomes"].(map[string]any) {
			if !cellMatches(row["expected_extra_"+o], v, false) {
				t.Errorf("targeting %s %s: CSV %q, API %v", a["code"], o, row["expected_extra_"+o], v)
			}
		}
	}
	// Unknown downloads and bad selections.
	for path, want := range map[string]int{"/download/nope.csv": 404, "/download/capacity.pdf": 404, "/download/capacity.csv?level=bad": 400, "/download/capacity.csv?budget=-1": 400, "/download/monthly.pdf": 404, "/download/monthly.csv?level=bad": 400} {
		if status, _, _ := get(t, srv, path); status != want {
			t.Errorf("%s: %d, want %d", path, status, want)
		}
	}
}

// The "done when" of the downloads: on data written here by hand (not the
// project's generator), the outcomes CSV for a region at PCN level equals an
// independent computation of METRICS.md with disclosure control applied
// exactly, at the boundaries 0, 1, 7, 8, 12 and 13.
func TestOutcomesCSVWithDisclosureEqualsAnIndependentComputation(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Two regions (so that England is not the region), PCNs P1..P6 in R1.
	write("areas.csv", "area_code,area_name,icb_code,icb_name,region_code,region_name,population,working_age_population,imd_score,long_term_sick_rate\n"+
		"P1,One PCN,QA1,First ICB,Y61,East,10000,6000,20,4\n"+
		"P2,Two PCN,QA1,First ICB,Y61,East,12000,7000,30,5\n"+
		"P3,Three PCN,QA2,Second ICB,Y61,East,9000,5000,,\n"+
		"P4,Four PCN,QA2,Second ICB,Y61,East,11000,6500,25,4\n"+
		"P5,Five PCN,QA2,Second ICB,Y61,East,8000,5000,15,3\n"+
		"P6,Six PCN,QA2,Second ICB,Y61,East,7000,4000,35,6\n"+
		"P9,Nine PCN,QB1,Other ICB,Y62,West,50000,30000,22,4\n")
	var act strings.Builder
	act.WriteString("month,area_code,provider_code,referrals_received,referrals_accepted,people_supported,active_caseload,link_worker_headcount,link_worker_fte,median_wait_days\n")
	for _, a := range []string{"P1", "P2", "P3", "P4", "P5", "P6", "P9"} {
		fmt.Fprintf(&act, "2025-01,%s,X1,30,20,10,40,2,1.5,10\n", a)
	}
	write("activity.csv", act.String())
	// people of cohort per PCN and outcome: the boundaries, in two months.
	cases := map[string][2][2]int{ // area -> month -> (people, cohort) for entered_employment
		"P1": {{0, 0}, {0, 12}},   // 0 of 12
		"P2": {{1, 8}, {0, 5}},    // 1 of 13
		"P3": {{3, 4}, {4, 4}},    // 7 of 8
		"P4": {{8, 13}, {0, 0}},   // 8 of 13
		"P5": {{12, 30}, {0, 20}}, // 12 of 50
		"P6": {{6, 40}, {7, 60}},  // 13 of 100
		"P9": {{50, 400}, {40, 400}},
	}
	var out strings.Builder
	out.WriteString("month,area_code,provider_code,outcome,people,cohort\n")
	for a, months := range cases {
		for i, pc := range months {
			fmt.Fprintf(&out, "2025-0%d,%s,X1,entered_employment,%d,%d\n", i+1, a, pc[0], pc[1])
			fmt.Fprintf(&out, "2025-0%d,%s,X1,improved_wellbeing,%d,%d\n", i+1, a, pc[1]/2, pc[1])
		}
	}
	write("outcomes.csv", out.String())
	write("funding.csv", "financial_year,area_code,stream,amount_gbp\n2024-25,P1,arrs,1000\n2024-25,P2,arrs,2000\n2024-25,P3,icb,3000\n2024-25,P9,arrs,9000\n")
	etltest.MustLoad(t, db, dir)
	srv := newTestServer(t, dashboard.Options{DB: db, Log: quiet})
	getter := func(p string) (int, map[string][]string, string) {
		status, h, body := get(t, srv, p)
		return status, h, body
	}
	_, rows := readCSVDownload(t, srv.URL, getter, "/download/outcomes.csv?place=Y61&level=pcn&from=2025-01&to=2025-02&fy=2024-25")

	// The independent computation, from the cases above.
	control := func(x int) (float64, bool) { // METRICS.md: 1 to 7 withheld, others to the nearest 5
		if x >= 1 && x <= 7 {
			return 0, false
		}
		return float64((x + 2) / 5 * 5), true
	}
	wilson := func(x, n, z float64) (float64, float64) {
		p := x / n
		mid := (2*n*p + z*z) / (2 * (n + z*z))
		spread := z * math.Sqrt(z*z+4*n*p*(1-p)) / (2 * (n + z*z))
		return mid - spread, mid + spread
	}
	engPeople, engCohort := map[string]float64{}, map[string]float64{}
	for _, months := range cases {
		for _, pc := range months {
			engPeople["entered_employment"] += float64(pc[0])
			engCohort["entered_employment"] += float64(pc[1])
			engPeople["improved_wellbeing"] += float64(pc[1] / 2)
			engCohort["improved_wellbeing"] += float64(pc[1])
		}
	}
	funding := map[string]float64{"P1": 1000, "P2": 2000, "P3": 3000}
	seen := 0
	for _, row := range rows {
		o := row["outcome"]
		months, ok := cases[row["code"]]
		if row["code"] == "E92000001" || (o != "entered_employment" && o != "improved_wellbeing") {
			continue
		}
		if !ok {
			t.Fatalf("unexpected area %s", row["code"])
		}
		var x, n int
		for _, pc := range months {
			if o == "entered_employment" {
				x += pc[0]
			} else {
				x += pc[1] / 2
			}
			n += pc[1]
		}
		want := map[string]string{}
		px, pok := control(x)
		pn, nok := control(n)
		fmtN := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		want["people"], want["cohort"] = "*", "*"
		if pok {
			want["people"] = fmtN(px)
		}
		if nok {
			want["cohort"] = fmtN(pn)
		}
		for _, k := range []string{"rate", "ci_low", "ci_high", "ci99_low", "ci99_high", "compared"} {
			want[k] = "*"
		}
		if pok && nok {
			if pn == 0 {
				for _, k := range []string{"rate", "ci_low", "ci_high", "ci99_low", "ci99_high"} {
					want[k] = ""
				}
				want["compared"] = "not compared"
			} else {
				want["rate"] = fmtN(px / pn)
				lo, hi := wilson(px, pn, 1.959964)
				lo99, hi99 := wilson(px, pn, 3.090232)
				want["ci_low"], want["ci_high"], want["ci99_low"], want["ci99_high"] = fmtN(lo), fmtN(hi), fmtN(lo99), fmtN(hi99)
				e := engPeople[o] / engCohort[o]
				switch {
				case pn < 10:
					want["compared"] = "not compared"
				case lo > e:
					want["compared"] = "higher"
				case hi < e:
					want["compared"] = "lower"
				default:
					want["compared"] = "similar"
				}
			}
		}
		// Cost per outcome: the year's people are all in January and February
		// 2025, inside 2024-25, controlled the same way.
		want["cost_per_outcome"] = ""
		if f, ok := funding[row["code"]]; ok {
			switch {
			case !pok:
				want["cost_per_outcome"] = "*"
			case px > 0:
				want["cost_per_outcome"] = fmtN(f / px)
			}
		}
		for k, w := range want {
			got := row[k]
			if gv, err1 := strconv.ParseFloat(got, 64); err1 == nil {
				if wv, err2 := strconv.ParseFloat(w, 64); err2 == nil && math.Abs(gv-wv) <= 1e-12*math.Max(1, math.Abs(wv)) {
					continue
				}
			}
			if got != w {
				t.Errorf("%s %s (%d of %d) %s: CSV %q, want %q", row["code"], o, x, n, k, got, w)
			}
		}
		seen++
	}
	if seen != 12 {
		t.Errorf("checked %d rows, want 6 PCNs × 2 outcomes", seen)
	}
	// The workbook shows the same boundaries: [c] where the CSV has *.
	status, _, xlsx := get(t, srv, "/download/outcomes.xlsx?place=Y61&level=pcn&from=2025-01&to=2025-02&fy=2024-25")
	if status != 200 {
		t.Fatalf("outcomes.xlsx: %d", status)
	}
	f, err := excelize.OpenReader(strings.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, _ := f.GetRows("outcomes", excelize.Options{RawCellValue: true})
	sheet = sheet[3:] // title, description, header
	if len(sheet) != len(rows) {
		t.Fatalf("%d rows in the sheet, %d in the CSV", len(sheet), len(rows))
	}
	for i, row := range rows {
		for j, col := range []string{"people", "cohort", "rate"} {
			got := sheet[i][9+j] // people, cohort and rate follow the nine identifying columns
			if (row[col] == "*") != (got == "[c]") {
				t.Errorf("%s %s %s: CSV %q, workbook %q", row["code"], row["outcome"], col, row[col], got)
			}
		}
	}
}

// The monthly extract streams every area's months; each area's rows are the
// figures its own trend gives (another statement), disclosure control
// included, and every month of the period is there.
func TestMonthlyExtractIsEachAreasTrend(t *testing.T) {
	srv, db := pageServer(t)
	region, _, _ := firstAreas(t, db)
	getter := func(p string) (int, map[string][]string, string) {
		status, h, body := get(t, srv, p)
		return status, h, body
	}
	_, rows := readCSVDownload(t, srv.URL, getter, "/download/monthly.csv?place="+region+"&level=icb&from=2026-01&to=2026-06")
	geo, _ := db.Places(context.Background())
	icbs := map[string]bool{}
	for _, icb := range geo.ICBs {
		if geo.RegionOf(icb.Code) == region {
			icbs[icb.Code] = true
		}
	}
	if len(rows) != 6*len(icbs) || len(rows) == 0 {
		t.Fatalf("%d rows, want 6 months × %d ICBs", len(rows), len(icbs))
	}
	byArea := map[string][]map[string]string{}
	for _, r := range rows {
		byArea[r["code"]] = append(byArea[r["code"]], r)
	}
	withheld := 0
	for code := range icbs {
		place, _ := geo.Lookup(code)
		trend, err := db.Trends(context.Background(), queries.Request{Selection: queries.Selection{From: mustMonth("2026-01"), To: mustMonth("2026-06"), Place: place}, Disclose: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range trend {
			r := byArea[code][i]
			if r["month"] != m.Month.Format("2006-01") || r["parent_code"] != region {
				t.Fatalf("%s row %d: month %s parent %s", code, i, r["month"], r["parent_code"])
			}
			check := func(col string, f queries.Figure) {
				t.Helper()
				v := any(nil)
				if x, ok := f.Value(); ok {
					v = x
				}
				if !cellMatches(r[col], v, f.IsWithheld()) {
					t.Errorf("%s %s %s: CSV %q, trend %v", code, r["month"], col, r[col], f)
				}
				if f.IsWithheld() {
					withheld++
				}
			}
			check("referrals", m.Referrals)
			check("accepted", m.Accepted)
			check("fte", m.FTE)
			check("caseload", m.Caseload)
			check("employment_support_coverage", m.Training["employment_support"].Coverage)
			for _, o := range queries.Outcomes {
				check(o+"_people", m.Outcomes[o].People)
				check(o+"_cohort", m.Outcomes[o].Cohort)
				check(o+"_rate", m.Outcomes[o].Rate)
			}
		}
	}
	t.Logf("%d withheld cells", withheld)

	// And, exactly (no disclosure control), the months add up to the period's
	// figures as Metrics computes them with other statements: flows summed,
	// stocks at the last month.
	regionPlace, _ := geo.Lookup(region)
	sel := queries.Selection{From: mustMonth("2026-01"), To: mustMonth("2026-06"), Place: regionPlace, Level: "icb"}
	rep, err := db.Metrics(context.Background(), queries.Request{Selection: sel, Settings: queries.DefaultSettings})
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	lastFTE := map[string]float64{}
	if err := db.Monthly(context.Background(), queries.Request{Selection: sel, Version: rep.AsOf.Version}, func(am *queries.AreaMonth) error {
		v, _ := am.Referrals.Value()
		sums[am.Code] += v
		p, _ := am.Outcomes["entered_employment"].People.Value()
		sums[am.Code+"|people"] += p
		if am.Month.Equal(sel.To) {
			lastFTE[am.Code], _ = am.FTE.Value()
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, a := range rep.Areas {
		referrals, _ := a.Referrals.Value()
		people, _ := a.Outcomes["entered_employment"].People.Value()
		fte, _ := a.FTE.Value()
		if sums[a.Code] != referrals || sums[a.Code+"|people"] != people || math.Abs(lastFTE[a.Code]-fte) > 1e-9 {
			t.Errorf("%s: months add to %v referrals, %v people, last FTE %v; the period has %v, %v, %v",
				a.Code, sums[a.Code], sums[a.Code+"|people"], lastFTE[a.Code], referrals, people, fte)
		}
	}

	// The same extract as a workbook: the same cells.
	status, _, body := get(t, srv, "/download/monthly.xlsx?place="+region+"&level=icb&from=2026-01&to=2026-06")
	if status != 200 {
		t.Fatalf("monthly.xlsx: %d", status)
	}
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, _ := f.GetRows("monthly", excelize.Options{RawCellValue: true})
	_, _, csvBody := get(t, srv, "/download/monthly.csv?place="+region+"&level=icb&from=2026-01&to=2026-06")
	recs, _ := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if len(sheet) != len(recs)+2 {
		t.Fatalf("%d rows in the sheet, %d in the CSV", len(sheet)-2, len(recs))
	}
	for i, rec := range recs {
		for j, want := range rec {
			got := sheet[i+2][j]
			switch want {
			case "*":
				want = "[c]"
			case "":
				if i > 0 {
					want = "[x]"
				}
			}
			if got != want {
				if gv, err1 := strconv.ParseFloat(got, 64); err1 == nil {
					if wv, err2 := strconv.ParseFloat(want, 64); err2 == nil && math.Abs(gv-wv) <= 1e-12*math.Max(1, math.Abs(wv)) {
						continue
					}
				}
				t.Errorf("monthly row %d %s: workbook %q, CSV %q", i, rec[0], got, want)
			}
		}
	}
}
