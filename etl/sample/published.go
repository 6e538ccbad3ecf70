package sample

// The two NHS England publications of the data contract (v1.1, "Published
// NHS files") for the sample areas, in their published layouts:
//
//   - PCNWFIndividualCSV.sample.zip: one "Primary Care Network Workforce"
//     individual-level CSV per month (link workers and a few other roles);
//   - Practice_Level_Crosstab_sample.zip: one "Appointments in General
//     Practice" practice-level crosstab per month, plus a Mapping.csv.
//
// Both follow the returns: a PCN's census link-worker FTE is close to the
// link_worker_fte of its returns that month (a few PCNs are far off, so that
// the dashboard's difference flag has something to show), and its Social
// Prescribing Service appointments are 1–3 per person supported.
//
// Each zip is written by a goroutine of its own, from the returns' monthly
// totals, with a random stream of its own: the output depends only on the
// seed, the scale and the months, and the five contract files are the same
// as without it.

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// File names of the published files, in the output folder.
const (
	WorkforceZip = "PCNWFIndividualCSV.sample.zip"
	CrosstabZip  = "Practice_Level_Crosstab_sample.zip"
)

// Row-count keys of the published files in Summary.Rows (the contract's kind names).
const (
	workforceKind = "pcn_workforce"
	crosstabKind  = "gpad"
)

var (
	workforceHeader = []string{"Data_source", "CENSUS_YEAR", "CENSUS_MONTH", "PCN_CODE", "PCN_NAME", "SUB_ICB_CODE", "SUB_ICB_NAME", "ICB_CODE", "ICB_NAME", "COMM_REGION_CODE", "COMM_REGION_NAME", "STAFF_GROUP", "STAFF_ROLE", "DETAILED_STAFF_ROLE", "FTE", "UNIQUE_IDENTIFIER"}
	crosstabHeader  = []string{"APPOINTMENT_MONTH_START_DATE", "GP_CODE", "GP_NAME", "SUPPLIER", "PCN_CODE", "PCN_NAME", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "HCP_TYPE", "APPT_MODE", "NATIONAL_CATEGORY", "TIME_BETWEEN_BOOK_AND_APPT", "COUNT_OF_APPOINTMENTS", "APPT_STATUS"}
	mappingHeader   = []string{"GP_CODE", "GP_NAME", "SUPPLIER", "PCN_CODE", "PCN_NAME", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "ICB_CODE", "ICB_NAME", "REGION_CODE", "REGION_NAME"}
)

var monthNames = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// workforceCSVName is the name of a month's CSV in the workforce zip, as published.
func workforceCSVName(mi int) string {
	return fmt.Sprintf("1.Primary Care Networks - %s %d Individual Level.csv", monthNames[mi%12], mi/12)
}

// crosstabCSVName is the name of a month's CSV in the crosstab zip, as published (Practice_Level_Crosstab_Oct_25.csv).
func crosstabCSVName(mi int) string {
	return fmt.Sprintf("Practice_Level_Crosstab_%s_%02d.csv", monthNames[mi%12][:3], mi/12%100)
}

// gpadDate is the first of the month as published: 01OCT2025.
func gpadDate(mi int) string {
	return fmt.Sprintf("01%s%04d", strings.ToUpper(monthNames[mi%12][:3]), mi/12)
}

// monthFacts are one month's returns summed over providers, per area (in the order of gen.areas).
type monthFacts struct {
	mi  int
	fte []float64 // link_worker_fte
	sup []int     // people_supported
}

// pubArea is what the published writers know of an area: fixed at the start,
// so that they never read the state the returns' generator changes.
type pubArea struct {
	code, name string
	icb        *icb
	pop        int
	imd        float64
}

// subICB is the made-up sub-ICB location of an ICB (one per ICB): a code like
// the published ones (36L) and the published form of its name.
func subICB(ic *icb) (code, name string) {
	i := slices.IndexFunc(icbs, func(x icb) bool { return x.code == ic.code })
	code = fmt.Sprintf("%02d%c", (i*7+3)%100, "ABCDEFGHJKLMNPQRTVWXY"[i%21])
	return code, ic.name + " - " + code
}

// appendField appends one CSV field, quoted as encoding/csv would quote it.
func appendField(b []byte, s string) []byte {
	r, _ := utf8.DecodeRuneInString(s)
	if s == "" || (!strings.ContainsAny(s, ",\"\r\n") && !unicode.IsSpace(r)) {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

// joinFields is the fields as one CSV line fragment, without the line end.
func joinFields(fs ...string) string {
	var b []byte
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, f)
	}
	return string(b)
}

// zipOut is a zip being written: one CSV entry open at a time, each row a
// line ending in CRLF, as the published files.
type zipOut struct {
	path  string
	f     *os.File
	fileW *bufio.Writer
	zw    *zip.Writer
	entW  *bufio.Writer
	open  bool
	rows  int // data rows of the month CSVs
}

func createZip(path string) (*zipOut, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	z := &zipOut{path: path, f: f, fileW: bufio.NewWriterSize(f, 1<<18)}
	z.zw = zip.NewWriter(z.fileW)
	// Level 2 is the fastest of Go's levels on these files (twice level 1),
	// and one compressor is reused for every entry.
	var fw *flate.Writer
	z.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		if fw == nil {
			var err error
			fw, err = flate.NewWriter(w, 2)
			return fw, err
		}
		fw.Reset(w)
		return fw, nil
	})
	z.entW = bufio.NewWriterSize(nil, 1<<16)
	return z, nil
}

// entry starts the CSV name, dated modified, with its header line.
func (z *zipOut) entry(name string, modified time.Time, header []string) error {
	if err := z.endEntry(); err != nil {
		return err
	}
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err != nil {
		return err
	}
	z.entW.Reset(w)
	z.open = true
	_, err = z.entW.WriteString(joinFields(header...) + "\r\n")
	return err
}

func (z *zipOut) endEntry() error {
	if !z.open {
		return nil
	}
	z.open = false
	return z.entW.Flush()
}

// line writes one data row (without its line end).
func (z *zipOut) line(b []byte) error {
	z.rows++
	b = append(b, '\r', '\n')
	_, err := z.entW.Write(b)
	return err
}

func (z *zipOut) close() error {
	err := z.endEntry()
	if e := z.zw.Close(); err == nil {
		err = e
	}
	if e := z.fileW.Flush(); err == nil {
		err = e
	}
	if e := z.f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("sample: writing %s: %w", z.path, err)
	}
	return nil
}

// pubWriter writes one published file month by month.
type pubWriter interface {
	month(f *monthFacts) error
	close() error
}

// pubSink runs a pubWriter in a goroutine of its own, fed the months in order.
type pubSink struct {
	ch   chan *monthFacts
	done chan error
}

func startSink(w pubWriter, months int) *pubSink {
	s := &pubSink{ch: make(chan *monthFacts, months), done: make(chan error, 1)}
	go func() {
		var err error
		for f := range s.ch {
			if err == nil {
				err = w.month(f)
			}
		}
		if e := w.close(); err == nil {
			err = e
		}
		s.done <- err
	}()
	return s
}

// finish waits for the writer to write every month sent and close its file.
func (s *pubSink) finish() error {
	close(s.ch)
	return <-s.done
}

// snapFTE rounds an FTE to whole half-hours of a 37.5-hour week, written
// with at most 6 decimals (0.853333 is 32 hours).
func snapFTE(x float64) float64 {
	return math.Round(math.Round(x*75)/75*1e6) / 1e6
}

func fmtFTE(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// ---------------------------------------------------------------------------
// PCN workforce, individual level

// staffRole is a published STAFF_GROUP, STAFF_ROLE and DETAILED_STAFF_ROLE.
type staffRole struct{ group, role, detailed string }

// The link workers' roles (0 general, 1 and 2 mental health), then other roles, as published.
var staffRoles = []staffRole{
	{"Other Direct Patient Care staff", "Social Prescribing Link Workers", "Social Prescribing Link Worker"},
	{"Other Direct Patient Care staff", "Social Prescribing Link Workers (Mental Health Practitioners)", "Social Prescribing Link Worker (Mental Health Practitioner - Adult)"},
	{"Other Direct Patient Care staff", "Social Prescribing Link Workers (Mental Health Practitioners)", "Social Prescribing Link Worker (Mental Health Practitioner - Children and Young People)"},
	{"Other Direct Patient Care staff", "Care Coordinators", "Care Coordinator"},
	{"Other Direct Patient Care staff", "Pharmacists", "Pharmacist"},
	{"Other Direct Patient Care staff", "Paramedics", "Paramedic"},
	{"Other Direct Patient Care staff", "Health and Wellbeing Coaches", "Health and Wellbeing Coach"},
	{"Other Direct Patient Care staff", "Physiotherapists", "Physiotherapist"},
	{"Other Direct Patient Care staff", "Mental Health and Wellbeing Practitioners (Mental Health Practitioners)", "Mental Health and Wellbeing Practitioner (Mental Health Practitioner - Adult)"},
	{"Other Admin/Non-clinical staff", "Managers", "Manager"},
	{"Directors", "Medical Clinical Director (GP)", "Clinical Director – Medical"},
}

const (
	roleLW      = 0
	roleMHAdult = 1
	roleMHCYP   = 2
	roleOther   = 3 // first of the other roles
	roleCD      = 10
)

var dataSources = [2]string{"NWRS Staff", "NWRS contracted services"}

// wfPerson is one row of the census: a person (or a contracted service) in a role in a PCN.
type wfPerson struct {
	id    int // UNIQUE_IDENTIFIER; 0 for NWRS contracted services (blank)
	fte   float64
	role  int
	fixed bool // also in another PCN: stays
}

// wfArea is one PCN's workforce as the census sees it.
type wfArea struct {
	prefix     string  // PCN_CODE … COMM_REGION_NAME
	factor     float64 // census FTE / returns FTE
	contracted float64 // share of new link workers who are contracted services
	mh         bool    // has a mental-health link worker post
	target     float64
	lw         []wfPerson
	others     []wfPerson
}

type workforceWriter struct {
	z       *zipOut
	r       *rand.Rand
	areas   []pubArea
	st      []wfArea
	nextID  int
	started bool
	roles   []string // STAFF_GROUP,STAFF_ROLE,DETAILED_STAFF_ROLE per role
	buf     []byte
}

func newWorkforceWriter(path string, seed int64, areas []pubArea) (*workforceWriter, error) {
	z, err := createZip(path)
	if err != nil {
		return nil, err
	}
	w := &workforceWriter{z: z, r: newRand(seed, streamWorkforce), areas: areas, st: make([]wfArea, len(areas))}
	for _, sr := range staffRoles {
		w.roles = append(w.roles, joinFields(sr.group, sr.role, sr.detailed))
	}
	for i, a := range areas {
		sc, sn := subICB(a.icb)
		w.st[i].prefix = joinFields(a.code, strings.ToUpper(a.name), sc, sn, a.icb.code, a.icb.name, a.icb.region, regionName(a.icb.region))
	}
	return w, nil
}

func (w *workforceWriter) close() error { return w.z.close() }

func (w *workforceWriter) newID() int {
	w.nextID += 1 + w.r.IntN(37)
	return w.nextID
}

// setup fixes each PCN's workforce parameters, its other staff and the link
// workers shared by two PCNs of an ICB, from the first month's returns.
func (w *workforceWriter) setup(f *monthFacts) {
	r := w.r
	w.nextID = 1000 + r.IntN(5000)
	for i := range w.st {
		s := &w.st[i]
		// Most PCNs' census agrees with their returns within a few per cent;
		// one in twenty is far off, alternately above and below.
		s.factor = clamp(1+0.03*r.NormFloat64(), 0.93, 1.07)
		if i%20 == 13 {
			if i/20%2 == 0 {
				s.factor = uniform(r, 0.55, 0.72) // census well below the returns
			} else {
				s.factor = uniform(r, 1.35, 1.6) // census well above the returns
			}
		}
		if r.Float64() < 0.35 {
			s.contracted = uniform(r, 0.2, 0.7)
		}
		s.mh = r.Float64() < 0.2
		if r.Float64() < 0.8 { // one of the other roles (the census has many more)
			role := roleOther + r.IntN(roleCD-roleOther)
			fte := snapFTE(uniform(r, 0.4, 1))
			if r.Float64() < 0.4 {
				fte = 1
			}
			p := wfPerson{fte: fte, role: role}
			if r.Float64() >= 0.15 {
				p.id = w.newID()
			}
			s.others = append(s.others, p)
		}
		if r.Float64() < 0.2 {
			s.others = append(s.others, wfPerson{id: w.newID(), fte: 0.106667, role: roleCD})
		}
	}
	// a few link workers work in two neighbouring PCNs of the same ICB, half time in each
	next := 0
	for i := 0; i+1 < len(w.areas); i++ {
		if i < next || w.areas[i].icb != w.areas[i+1].icb || f.fte[i] < 1.5 || f.fte[i+1] < 1.5 {
			continue
		}
		p := wfPerson{id: w.newID(), fte: 0.5, role: roleLW, fixed: true}
		w.st[i].lw = append(w.st[i].lw, p)
		w.st[i+1].lw = append(w.st[i+1].lw, p)
		next = i + 20
	}
}

// joiner is a new link worker of a PCN, to fill at most gap FTE.
func (w *workforceWriter) joiner(s *wfArea, gap float64) wfPerson {
	r := w.r
	fte := 1.0
	switch u := r.Float64(); {
	case u < 0.2:
		fte = snapFTE(uniform(r, 0.6, 0.95))
	case u < 0.3:
		fte = snapFTE(uniform(r, 0.3, 0.6))
	}
	if fte > gap {
		fte = snapFTE(clamp(gap, 0.1, 1))
	}
	p := wfPerson{fte: fte, role: roleLW}
	if s.mh && !slices.ContainsFunc(s.lw, func(q wfPerson) bool { return q.role != roleLW }) {
		p.role = roleMHAdult
		if r.Float64() < 0.25 {
			p.role = roleMHCYP
		}
	}
	if r.Float64() >= s.contracted {
		p.id = w.newID()
	}
	return p
}

func lwTotal(lw []wfPerson) float64 {
	t := 0.0
	for _, p := range lw {
		t += p.fte
	}
	return t
}

// update moves a PCN's link workers towards target FTE: people leave and
// join, and one changes hours when what remains is more than a few per cent.
func (w *workforceWriter) update(s *wfArea, target float64) {
	r := w.r
	if len(s.lw) > 0 && r.Float64() < 0.03 { // turnover
		if i := r.IntN(len(s.lw)); !s.lw[i].fixed {
			s.lw = slices.Delete(s.lw, i, i+1)
		}
	}
	sum := lwTotal(s.lw)
	for sum-target > 0.25 {
		over := sum - target + 0.25
		k := -1
		for j, start := 0, r.IntN(len(s.lw)); j < len(s.lw); j++ {
			if i := (start + j) % len(s.lw); !s.lw[i].fixed && s.lw[i].fte <= over {
				k = i
				break
			}
		}
		if k < 0 {
			break
		}
		sum -= s.lw[k].fte
		s.lw = slices.Delete(s.lw, k, k+1)
	}
	for target-sum > 0.25 || len(s.lw) == 0 {
		p := w.joiner(s, target-sum)
		s.lw = append(s.lw, p)
		sum += p.fte
	}
	if gap := target - sum; math.Abs(gap) > 0.04*target+0.03 {
		for i := len(s.lw) - 1; i >= 0; i-- {
			if !s.lw[i].fixed {
				s.lw[i].fte = snapFTE(clamp(s.lw[i].fte+gap, 0.1, 1))
				break
			}
		}
	}
}

func (w *workforceWriter) month(f *monthFacts) error {
	if !w.started {
		w.setup(f)
		w.started = true
	}
	mi := f.mi
	if err := w.z.entry(workforceCSVName(mi), time.Date(mi/12, time.Month(mi%12+1), 28, 0, 0, 0, 0, time.UTC), workforceHeader); err != nil {
		return err
	}
	census := "," + strconv.Itoa(mi/12) + "," + strconv.Itoa(mi%12+1) + ","
	for i := range w.st {
		s := &w.st[i]
		if f.fte[i] > 0 { // a month without returns' FTE keeps the last month's workforce
			s.target = f.fte[i] * s.factor * (1 + 0.02*w.r.NormFloat64())
		} else if s.target == 0 {
			s.target = 1
		}
		w.update(s, s.target)
		for _, group := range [2][]wfPerson{s.lw, s.others} {
			for _, p := range group {
				b := w.buf[:0]
				ds := 0
				if p.id == 0 {
					ds = 1
				}
				b = append(b, dataSources[ds]...)
				b = append(b, census...)
				b = append(b, s.prefix...)
				b = append(b, ',')
				b = append(b, w.roles[p.role]...)
				b = append(b, ',')
				b = strconv.AppendFloat(b, p.fte, 'f', -1, 64)
				b = append(b, ',')
				if p.id != 0 {
					b = strconv.AppendInt(b, int64(p.id), 10)
				}
				w.buf = b
				if err := w.z.line(b); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Appointments in General Practice, practice-level crosstab

var (
	timeBuckets   = []string{"Same Day", "1 Day", "2 to 7 Days", "8  to 14 Days", "15  to 21 Days", "22  to 28 Days", "More than 28 Days", "Unknown / Data Issue"}
	timeWeights   = []float64{0.18, 0.10, 0.30, 0.18, 0.10, 0.06, 0.07, 0.01}
	otherCategory = []string{"General Consultation Routine", "Clinical Triage", "General Consultation Acute", "Planned Clinics", "Structured Medication Review", "Home Visit", "Unplanned Clinical Activity"}
	practiceKinds = []string{"SURGERY", "MEDICAL CENTRE", "HEALTH CENTRE", "MEDICAL PRACTICE", "GROUP PRACTICE", "FAMILY PRACTICE"}
)

const spsCategory = "Social Prescribing Service"

// gpPractice is one GP practice of the crosstab.
type gpPractice struct {
	prefix  string // GP_CODE … SUB_ICB_LOCATION_NAME
	mapping string // its Mapping.csv row
	list    float64
	share   float64 // of its PCN's list, then of its Social Prescribing Service appointments
	noSPS   bool    // never records any
	f2f     float64 // share of attended appointments face to face
}

// gpArea is one PCN's practices and appointment habits (nil PCN: unallocated practices).
type gpArea struct {
	practices []gpPractice
	perPerson float64 // appointments per person supported
	dna       float64 // DNA / (attended + DNA)
	unknown   float64 // share with status Unknown
}

type crosstabWriter struct {
	z     *zipOut
	r     *rand.Rand
	areas []gpArea
	unall []gpPractice // practices in no PCN
	buf   []byte
	cum   []float64 // cumulative timeWeights
	last  int       // the last month written
}

func newCrosstabWriter(path string, seed int64, areas []pubArea) (*crosstabWriter, error) {
	z, err := createZip(path)
	if err != nil {
		return nil, err
	}
	r := newRand(seed, streamAppointments)
	w := &crosstabWriter{z: z, r: r, areas: make([]gpArea, len(areas))}
	acc := 0.0
	for _, x := range timeWeights {
		acc += x
		w.cum = append(w.cum, acc)
	}
	used := map[string]bool{}
	usedNames := map[string]bool{}
	practice := func(a pubArea, pcnCode, pcnName string) gpPractice {
		ic := a.icb
		i := slices.IndexFunc(icbs, func(x icb) bool { return x.code == ic.code })
		var code string
		for {
			code = fmt.Sprintf("%c%05d", "ABCDEFGHJKLMNPY"[i%15], 80000+r.IntN(10000))
			if !used[code] {
				used[code] = true
				break
			}
		}
		var name string
		for try := 0; ; try++ {
			town := strings.ToUpper(ic.towns[r.IntN(len(ic.towns))])
			switch u := r.Float64(); {
			case u < 0.15:
				name = "THE " + town + " " + practiceKinds[r.IntN(len(practiceKinds))]
			case u < 0.25:
				name = "ST " + strings.ToUpper(saints[r.IntN(len(saints))]) + " " + practiceKinds[r.IntN(len(practiceKinds))]
			default:
				name = town + " " + practiceKinds[r.IntN(len(practiceKinds))]
			}
			if try > 3 {
				name = fmt.Sprintf("%s (%s)", name, code)
			}
			if !usedNames[name] {
				usedNames[name] = true
				break
			}
		}
		supplier := "EMIS"
		if r.Float64() < 0.4 {
			supplier = "TPP"
		}
		sc, sn := subICB(ic)
		return gpPractice{
			prefix:  joinFields(code, name, supplier, pcnCode, pcnName, sc, sn),
			mapping: joinFields(code, name, supplier, pcnCode, pcnName, sc, sn, ic.code, strings.TrimSuffix(ic.name, " ICB")+" Integrated Care Board", ic.region, regionName(ic.region)),
			f2f:     uniform(r, 0.45, 0.85),
		}
	}
	seenICB := map[*icb]bool{}
	for i, a := range areas {
		g := &w.areas[i]
		n := 3 + r.IntN(2) // 3–4 practices (5 in a few larger PCNs)
		if a.pop >= 60000 && r.Float64() < 0.5 {
			n++
		}
		total := 0.0
		for range n {
			p := practice(a, a.code, strings.ToUpper(a.name))
			p.share = uniform(r, 0.5, 1.5)
			total += p.share
			g.practices = append(g.practices, p)
		}
		for j := range g.practices {
			g.practices[j].share /= total
			g.practices[j].list = float64(a.pop) * g.practices[j].share
		}
		if r.Float64() < 0.25 { // one practice records no social prescribing appointments
			j := r.IntN(n)
			g.practices[j].noSPS = true
			for k := range g.practices { // the others see its people
				if k != j {
					g.practices[k].share /= 1 - g.practices[j].share
				}
			}
		}
		g.perPerson = uniform(r, 1.2, 3)
		g.dna = clamp(0.05+0.003*(a.imd-10)+0.015*r.NormFloat64(), 0.04, 0.17)
		g.unknown = uniform(r, 0.002, 0.012)
		// a practice in no PCN in every other ICB
		if !seenICB[a.icb] {
			seenICB[a.icb] = true
			if len(seenICB)%2 == 1 {
				p := practice(a, "U", "Unallocated")
				p.list = uniform(r, 2000, 9000)
				w.unall = append(w.unall, p)
			}
		}
	}
	return w, nil
}

func (w *crosstabWriter) timeBucket() string {
	u := w.r.Float64() * w.cum[len(w.cum)-1]
	i, _ := slices.BinarySearch(w.cum, u)
	return timeBuckets[min(i, len(timeBuckets)-1)]
}

// row writes one crosstab line.
func (w *crosstabWriter) row(date string, p *gpPractice, hcp, mode, category string, count int, status string) error {
	if count < 1 {
		return nil
	}
	b := w.buf[:0]
	b = append(b, date...)
	b = append(b, ',')
	b = append(b, p.prefix...)
	b = append(b, ',')
	b = append(b, hcp...)
	b = append(b, ',')
	b = appendField(b, mode)
	b = append(b, ',')
	b = append(b, category...)
	b = append(b, ',')
	b = append(b, w.timeBucket()...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, ',')
	b = append(b, status...)
	w.buf = b
	return w.z.line(b)
}

// otherRow writes an appointment of a category the ETL skips.
func (w *crosstabWriter) otherRow(date string, p *gpPractice) error {
	r := w.r
	hcp, mode := "GP", "Face-to-Face"
	if r.Float64() < 0.4 {
		hcp = "Other Practice staff"
	}
	if r.Float64() < 0.35 {
		mode = "Telephone"
	}
	status := "Attended"
	if r.Float64() < 0.1 {
		status = "DNA"
	}
	return w.row(date, p, hcp, mode, otherCategory[r.IntN(len(otherCategory))], 1+poisson(r, p.list*0.01), status)
}

func (w *crosstabWriter) month(f *monthFacts) error {
	r := w.r
	mi := f.mi
	if err := w.z.entry(crosstabCSVName(mi), time.Date(mi/12, time.Month(mi%12+1), 28, 0, 0, 0, 0, time.UTC), crosstabHeader); err != nil {
		return err
	}
	date := gpadDate(mi)
	w.last = mi
	for i := range w.areas {
		g := &w.areas[i]
		mean := float64(f.sup[i]) * g.perPerson
		for j := range g.practices {
			p := &g.practices[j]
			if !p.noSPS && r.Float64() >= 0.04 { // now and then a practice records none in a month
				n := poisson(r, mean*p.share)
				unk := binomial(r, n, g.unknown)
				dna := binomial(r, n-unk, g.dna)
				att := n - unk - dna
				f2f := att
				if r.Float64() < 0.12 { // some months both modes
					f2f = binomial(r, att, p.f2f)
				} else if r.Float64() >= p.f2f {
					f2f = 0
				}
				for _, x := range []struct {
					mode   string
					count  int
					status string
				}{
					{"Face-to-Face", f2f, "Attended"},
					{"Telephone", att - f2f, "Attended"},
					{"Face-to-Face", dna, "DNA"},
					{"Unknown", unk, "Unknown"},
				} {
					if err := w.row(date, p, "Other Practice staff", x.mode, spsCategory, x.count, x.status); err != nil {
						return err
					}
				}
			}
			if r.Float64() < 0.15 || p.noSPS {
				if err := w.otherRow(date, p); err != nil {
					return err
				}
			}
		}
	}
	for j := range w.unall {
		p := &w.unall[j]
		if err := w.row(date, p, "Other Practice staff", "Face-to-Face", spsCategory, 1+poisson(r, p.list/1000), "Attended"); err != nil {
			return err
		}
		if err := w.otherRow(date, p); err != nil {
			return err
		}
	}
	return nil
}

// close writes Mapping.csv (every practice) after the months, and the zip's end.
func (w *crosstabWriter) close() error {
	err := w.z.entry("Mapping.csv", time.Date(w.last/12, time.Month(w.last%12+1), 28, 0, 0, 0, 0, time.UTC), mappingHeader)
	for i := 0; err == nil && i < len(w.areas); i++ {
		for j := 0; err == nil && j < len(w.areas[i].practices); j++ {
			_, err = w.z.entW.WriteString(w.areas[i].practices[j].mapping + "\r\n")
		}
	}
	for j := 0; err == nil && j < len(w.unall); j++ {
		_, err = w.z.entW.WriteString(w.unall[j].mapping + "\r\n")
	}
	if e := w.z.close(); err == nil {
		err = e
	}
	return err
}
