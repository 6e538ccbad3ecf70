package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"spdash/etl/sample"
)

// dataset is every file the bench loads, with its data rows (header excluded).
type dataset struct {
	Areas     string   // areas.csv of the national sample (loaded untimed before spdash's fact loads)
	Facts     []string // activity, training, outcomes, funding of the national sample
	FactKinds []string // kind of each fact file
	FactRows  []int64  // data rows of each fact file
	Big       string   // the --rows outcomes file
	BigRows   int64
	Small     string // the --small-rows outcomes file ("" when skipped)
	SmallRows int64
}

func (d *dataset) nationalRows() int64 {
	var n int64
	for _, r := range d.FactRows {
		n += r
	}
	return n
}

// repoRoot is the folder of the spdash module (where go.mod is).
func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w (is the go command on PATH?)", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the spdash module: run from the repository, e.g. go run ./cmd/etlbench")
	}
	return filepath.Dir(mod), nil
}

func buildSpdash(ctx context.Context, repo, bin string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/spdash")
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./cmd/spdash: %w\n%s", err, out)
	}
	return nil
}

// manifest records a completed generation so a later run can reuse the files.
type manifest struct {
	Seed  int64            `json:"seed"`
	Scale string           `json:"scale"`
	Rows  map[string]int   `json:"rows"`
	Sizes map[string]int64 `json:"sizes"`
}

var factKinds = []string{"activity", "training", "outcomes", "funding"}

func prepareData(ctx context.Context, dir string, cfg config, progress func(string, ...any)) (*dataset, error) {
	nat := filepath.Join(dir, fmt.Sprintf("national-seed%d", cfg.seed))
	m, err := nationalSample(nat, cfg.seed, progress)
	if err != nil {
		return nil, err
	}
	d := &dataset{Areas: filepath.Join(nat, "areas.csv")}
	for _, k := range factKinds {
		d.Facts = append(d.Facts, filepath.Join(nat, k+".csv"))
		d.FactKinds = append(d.FactKinds, k)
		d.FactRows = append(d.FactRows, int64(m.Rows[k]))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	codes := sample.AreaCodes(cfg.seed, sample.National)
	if d.Big, err = bigOutcomes(dir, codes, cfg.rows, cfg.seed, progress); err != nil {
		return nil, err
	}
	d.BigRows = int64(cfg.rows)
	if cfg.smallRows > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if d.Small, err = bigOutcomes(dir, codes, cfg.smallRows, cfg.seed, progress); err != nil {
			return nil, err
		}
		d.SmallRows = int64(cfg.smallRows)
	}
	return d, nil
}

// nationalSample generates the national sample into dir unless a complete
// generation with the same seed is already there.
func nationalSample(dir string, seed int64, progress func(string, ...any)) (manifest, error) {
	mpath := filepath.Join(dir, "manifest.json")
	if b, err := os.ReadFile(mpath); err == nil {
		var m manifest
		if json.Unmarshal(b, &m) == nil && m.Seed == seed && m.Scale == string(sample.National) && sizesMatch(dir, m.Sizes) {
			progress("reusing national sample in %s", dir)
			return m, nil
		}
	}
	progress("generating national sample (seed %d) into %s", seed, dir)
	_ = os.Remove(mpath)
	sum, err := sample.Generate(sample.Options{Out: dir, Seed: seed, Scale: sample.National})
	if err != nil {
		return manifest{}, fmt.Errorf("generate national sample: %w", err)
	}
	m := manifest{Seed: seed, Scale: string(sample.National), Rows: sum.Rows, Sizes: map[string]int64{}}
	for _, f := range sum.Files {
		st, err := os.Stat(f)
		if err != nil {
			return manifest{}, err
		}
		m.Sizes[filepath.Base(f)] = st.Size()
	}
	for _, k := range append([]string{"areas"}, factKinds...) {
		if _, ok := m.Rows[k]; !ok {
			return manifest{}, fmt.Errorf("generate national sample: no row count for %s", k)
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(mpath, b, 0o644); err != nil {
		return manifest{}, err
	}
	return m, nil
}

func sizesMatch(dir string, sizes map[string]int64) bool {
	if len(sizes) == 0 {
		return false
	}
	for name, size := range sizes {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Size() != size {
			return false
		}
	}
	return true
}

// bigOutcomes writes an outcomes file of n data rows whose area codes are the
// national sample's. The name holds n and the seed, and the file appears only
// once complete, so an existing one is the same bytes and is reused.
func bigOutcomes(dir string, codes []string, n int, seed int64, progress func(string, ...any)) (string, error) {
	path := filepath.Join(dir, "big", fmt.Sprintf("outcomes_%d_seed%d.csv", n, seed))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		progress("reusing %s", path)
		return path, nil
	}
	if len(codes) == 0 {
		return "", fmt.Errorf("no national area codes for seed %d", seed)
	}
	progress("generating %d-row outcomes file %s", n, path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	err = sample.WriteOutcomes(f, codes, n, seed)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}

// sourceTree is the folder to build spdash from and the commit it is: the
// working tree (commit + "+dirty" when it has uncommitted changes), or with
// rev a clean export of that revision into the bench folder, which ongoing
// edits in the working tree cannot break.
func sourceTree(ctx context.Context, repo, rev, dir string) (string, string, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = repo
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
			}
			return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	if rev == "" {
		commit, err := git("rev-parse", "--short", "HEAD")
		if err != nil {
			return repo, "unknown (not a git checkout)", nil
		}
		if st, err := git("status", "--porcelain"); err == nil && st != "" {
			commit += "+dirty"
		}
		return repo, commit, nil
	}
	commit, err := git("rev-parse", "--short", "--verify", rev+"^{commit}")
	if err != nil {
		return "", "", fmt.Errorf("--rev %s: %w", rev, err)
	}
	src := filepath.Join(dir, "src-"+commit)
	if _, err := os.Stat(filepath.Join(src, "go.mod")); err == nil {
		return src, commit, nil
	}
	tmp := src + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", "", err
	}
	archive := exec.CommandContext(ctx, "git", "archive", "--format=tar", commit)
	archive.Dir = repo
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", tmp)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return "", "", err
	}
	untar.Stdin = pipe
	var stderr strings.Builder
	archive.Stderr, untar.Stderr = &stderr, &stderr
	if err := untar.Start(); err != nil {
		return "", "", fmt.Errorf("tar: %w", err)
	}
	aerr := archive.Run()
	uerr := untar.Wait()
	if aerr != nil || uerr != nil {
		_ = os.RemoveAll(tmp)
		return "", "", fmt.Errorf("export %s with git archive | tar: %v %v %s", commit, aerr, uerr, stderr.String())
	}
	if err := os.Rename(tmp, src); err != nil {
		return "", "", err
	}
	return src, commit, nil
}
