package recompute

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// The published NHS files' figures (METRICS.md, "Published workforce and
// appointments"), recomputed from the zips in the folder as the sample
// generator writes them (PCNWFIndividualCSV*.zip, Practice_Level_Crosstab*.zip),
// read with archive/zip and encoding/csv: nothing of the ETL's.

type census struct {
	covered         bool
	fte, mh         float64
	people          map[string]bool
	hasReturnPeriod bool
}

type appointments struct {
	months                 map[string]bool
	attended, dna, unknown float64
}

var monthNumbers = map[string]string{"JAN": "01", "FEB": "02", "MAR": "03", "APR": "04", "MAY": "05", "JUN": "06",
	"JUL": "07", "AUG": "08", "SEP": "09", "OCT": "10", "NOV": "11", "DEC": "12"}

// eachZipRow calls fn for every row of every CSV in the zips of dir whose
// names match zipGlob and whose entries contain entryPart.
func eachZipRow(dir, zipGlob, entryPart string, fn func(map[string]string)) error {
	zips, err := filepath.Glob(filepath.Join(dir, zipGlob))
	if err != nil {
		return err
	}
	for _, path := range zips {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			if !strings.Contains(f.Name, entryPart) || !strings.HasSuffix(f.Name, ".csv") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				zr.Close()
				return err
			}
			r := csv.NewReader(rc)
			header, err := r.Read()
			for err == nil {
				var rec []string
				if rec, err = r.Read(); err == nil {
					row := map[string]string{}
					for i, h := range header {
						row[h] = rec[i]
					}
					fn(row)
				}
			}
			rc.Close()
			if err != io.EOF {
				zr.Close()
				return fmt.Errorf("%s/%s: %w", path, f.Name, err)
			}
		}
		zr.Close()
	}
	return nil
}

// published recomputes the published figures of England and each area
// into their Figures. pcnsOf lists the PCNs (of the loaded areas) whose
// rows add to a code: "" for England.
func published(dir string, sel Selection, codeOf func(pcn string) []string, population map[string]float64,
	hasLatestReturn map[string]bool, fte map[string]float64, out map[string]Figures) error {
	// The census month: the latest with rows of the loaded areas at or before the period's end.
	month := ""
	if err := eachZipRow(dir, "PCNWFIndividualCSV*.zip", "Individual Level", func(r map[string]string) {
		m := fmt.Sprintf("%s-%02s", r["CENSUS_YEAR"], r["CENSUS_MONTH"])
		if len(codeOf(r["PCN_CODE"])) > 0 && m <= sel.To && m > month {
			month = m
		}
	}); err != nil {
		return err
	}
	cs := map[string]*census{}
	for code := range out {
		cs[code] = &census{people: map[string]bool{}}
	}
	if month != "" {
		if err := eachZipRow(dir, "PCNWFIndividualCSV*.zip", "Individual Level", func(r map[string]string) {
			if fmt.Sprintf("%s-%02s", r["CENSUS_YEAR"], r["CENSUS_MONTH"]) != month {
				return
			}
			for _, code := range codeOf(r["PCN_CODE"]) {
				c := cs[code]
				c.covered = true
				if !strings.HasPrefix(r["STAFF_ROLE"], "Social Prescribing Link Workers") {
					continue
				}
				c.fte += num(r["FTE"])
				if r["STAFF_ROLE"] == "Social Prescribing Link Workers (Mental Health Practitioners)" {
					c.mh += num(r["FTE"])
				}
				if r["Data_source"] == "NWRS Staff" && r["UNIQUE_IDENTIFIER"] != "" {
					c.people[r["UNIQUE_IDENTIFIER"]] = true
				}
			}
		}); err != nil {
			return err
		}
	}
	ap := map[string]*appointments{}
	for code := range out {
		ap[code] = &appointments{months: map[string]bool{}}
	}
	if err := eachZipRow(dir, "Practice_Level_Crosstab*.zip", "Practice_Level_Crosstab", func(r map[string]string) {
		d := r["APPOINTMENT_MONTH_START_DATE"] // 01OCT2025
		m := d[5:] + "-" + monthNumbers[d[2:5]]
		if m < sel.From || m > sel.To {
			return
		}
		n := num(r["COUNT_OF_APPOINTMENTS"])
		for _, code := range codeOf(r["PCN_CODE"]) {
			a := ap[code]
			a.months[m] = true
			if r["NATIONAL_CATEGORY"] != "Social Prescribing Service" {
				continue
			}
			switch r["APPT_STATUS"] {
			case "Attended":
				a.attended += n
			case "DNA":
				a.dna += n
			default:
				a.unknown += n
			}
		}
	}); err != nil {
		return err
	}
	for code, f := range out {
		v, c, a := f.Values, cs[code], ap[code]
		for _, n := range []string{"census_fte", "census_fte_mental_health", "census_headcount", "fte_difference", "fte_difference_share", "census_month"} {
			v[n] = nil
		}
		if c.covered {
			delete(v, "census_month")
			f.Compared["census_month"] = month
			v["census_fte"], v["census_fte_mental_health"], v["census_headcount"] = val(c.fte), val(c.mh), val(float64(len(c.people)))
			if hasLatestReturn[code] {
				d := fte[code] - c.fte
				v["fte_difference"], v["fte_difference_share"] = val(d), div(d, c.fte)
			}
		}
		v["sp_appointments"], v["sp_appointments_per_1k"], v["dna_rate"] = nil, nil, nil
		if len(a.months) > 0 {
			delete(v, "sp_appointments")
			v["sp_appointments.attended"], v["sp_appointments.dna"], v["sp_appointments.unknown"] = val(a.attended), val(a.dna), val(a.unknown)
			v["sp_appointments_per_1k"] = div((a.attended+a.dna+a.unknown)*1000*12/float64(len(a.months)), population[code])
			v["dna_rate"] = div(a.dna, a.attended+a.dna)
		}
	}
	return nil
}
