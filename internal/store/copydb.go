package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Copying a register from SQLite to PostgreSQL (efa migrate-db). Every table
// is copied row by row with its ids, and the event log with its sequence
// numbers, so the portal's change-feed cursors stay valid; afterwards the
// id sequences continue after the highest copied id.

// copyProgressEvery is how many rows pass between two progress calls.
const copyProgressEvery = 50_000

// TableCount is one table of a copy: the rows in the source and in the target.
type TableCount struct {
	Table          string
	Source, Target int64
}

// CopyReport describes a finished copy.
type CopyReport struct {
	Tables       []TableCount
	LastEventSeq uint64
	Duration     time.Duration
}

// ErrTargetNotEmpty means the target database of a copy holds data already.
var ErrTargetNotEmpty = errors.New("store: the target database is not empty")

// CopyTo copies every table of s (SQLite) into dst (PostgreSQL, opened and
// so migrated, and empty), keeping every id and event sequence number. The
// source is read in one read transaction (one consistent snapshot); the
// target is written in one transaction, so a failed copy leaves it empty.
// Rows are streamed with COPY, so memory stays flat whatever the size.
// progress, when not nil, is called per table as rows are copied. At the end
// the row counts of every table are compared; a difference is an error.
func (s *Store) CopyTo(ctx context.Context, dst *Store, progress func(table string, done, total int64)) (CopyReport, error) {
	start := time.Now()
	var rep CopyReport
	if s.Dialect() != SQLite || dst.Dialect() != Postgres {
		return rep, fmt.Errorf("store: copy goes from SQLite to PostgreSQL, not from %s to %s", s.Dialect(), dst.Dialect())
	}
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	tables, err := dst.copyOrder(ctx)
	if err != nil {
		return rep, err
	}
	for _, t := range tables {
		var n int64
		if err := dst.r.WithContext(ctx).Raw(`SELECT count(*) FROM "` + t.name + `"`).Scan(&n).Error; err != nil {
			return rep, fmt.Errorf("store: count %s in the target: %w", t.name, err)
		}
		if n > 0 {
			return rep, fmt.Errorf("%w: table %s holds %d rows", ErrTargetNotEmpty, t.name, n)
		}
	}
	sqlDB, err := dst.w.DB()
	if err != nil {
		return rep, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return rep, fmt.Errorf("store: copy: %w", err)
	}
	defer conn.Close()
	err = s.readTx(ctx, "copy", func(src *gorm.DB) error {
		return conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			tx, err := pc.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(context.WithoutCancel(ctx))
			for _, t := range tables {
				tc, err := copyTable(ctx, src, tx, t, progress)
				if err != nil {
					return fmt.Errorf("table %s: %w", t.name, err)
				}
				rep.Tables = append(rep.Tables, tc)
			}
			for _, t := range tables {
				for _, col := range t.serial {
					// The next id continues after the highest copied one (1 for an empty table).
					q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce(max("%s"), 0) + 1, false) FROM "%s"`, t.name, col, col, t.name)
					if _, err := tx.Exec(ctx, q); err != nil {
						return fmt.Errorf("sequence of %s.%s: %w", t.name, col, err)
					}
				}
			}
			return tx.Commit(ctx)
		})
	})
	if err != nil {
		return rep, fmt.Errorf("store: copy to PostgreSQL: %w", err)
	}
	// Verify against the committed target.
	var bad []string
	for i, tc := range rep.Tables {
		var n int64
		if err := dst.r.WithContext(ctx).Raw(`SELECT count(*) FROM "` + tc.Table + `"`).Scan(&n).Error; err != nil {
			return rep, fmt.Errorf("store: count %s in the target: %w", tc.Table, err)
		}
		rep.Tables[i].Target = n
		if n != tc.Source {
			bad = append(bad, fmt.Sprintf("%s: %d in the source, %d in the target", tc.Table, tc.Source, n))
		}
	}
	if len(bad) > 0 {
		return rep, fmt.Errorf("store: copy incomplete: %s", strings.Join(bad, "; "))
	}
	srcSeq, err := s.LastEventSeq(ctx)
	if err != nil {
		return rep, err
	}
	if rep.LastEventSeq, err = dst.LastEventSeq(ctx); err != nil {
		return rep, err
	}
	if srcSeq != rep.LastEventSeq {
		return rep, fmt.Errorf("store: copy incomplete: last event %d in the source, %d in the target", srcSeq, rep.LastEventSeq)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// copyTableInfo is a table of the target: its columns with their types and
// the columns filled by a sequence.
type copyTableInfo struct {
	name    string
	columns []string
	types   map[string]string
	serial  []string
}

// copyOrder lists the target's tables (all but schema_migrations, which the
// target's own migration filled) so that every table comes after the tables
// its foreign keys refer to.
func (s *Store) copyOrder(ctx context.Context) ([]copyTableInfo, error) {
	db := s.r.WithContext(ctx)
	var cols []struct {
		TableName, ColumnName, DataType string
		ColumnDefault                   *string
	}
	err := db.Raw(`SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`).Scan(&cols).Error
	if err != nil {
		return nil, fmt.Errorf("store: read the target's columns: %w", err)
	}
	byName := map[string]*copyTableInfo{}
	var names []string
	for _, c := range cols {
		if c.TableName == "schema_migrations" {
			continue
		}
		t := byName[c.TableName]
		if t == nil {
			t = &copyTableInfo{name: c.TableName, types: map[string]string{}}
			byName[c.TableName] = t
			names = append(names, c.TableName)
		}
		t.columns = append(t.columns, c.ColumnName)
		t.types[c.ColumnName] = c.DataType
		if c.ColumnDefault != nil && strings.HasPrefix(*c.ColumnDefault, "nextval(") {
			t.serial = append(t.serial, c.ColumnName)
		}
	}
	var fks []struct{ Child, Parent string }
	err = db.Raw(`SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`).Scan(&fks).Error
	if err != nil {
		return nil, fmt.Errorf("store: read the target's foreign keys: %w", err)
	}
	deps := map[string][]string{}
	for _, fk := range fks {
		child, parent := strings.Trim(fk.Child, `"`), strings.Trim(fk.Parent, `"`)
		if child != parent {
			deps[child] = append(deps[child], parent)
		}
	}
	sort.Strings(names)
	var out []copyTableInfo
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("store: foreign keys form a cycle at %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, p := range deps[n] {
			if byName[p] != nil {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		state[n] = 2
		out = append(out, *byName[n])
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// copyTable streams one table from the SQLite snapshot into the target with COPY.
func copyTable(ctx context.Context, src *gorm.DB, tx pgx.Tx, t copyTableInfo, progress func(string, int64, int64)) (TableCount, error) {
	tc := TableCount{Table: t.name}
	// Only the columns both sides have (they are the same after migration).
	probe, err := src.Raw(`SELECT * FROM "` + t.name + `" LIMIT 0`).Rows()
	if err != nil {
		return tc, err
	}
	srcCols, err := probe.Columns()
	probe.Close()
	if err != nil {
		return tc, err
	}
	have := map[string]bool{}
	for _, c := range srcCols {
		have[c] = true
	}
	var cols []string
	for _, c := range t.columns {
		if have[c] {
			cols = append(cols, c)
		}
	}
	if err := src.Raw(`SELECT count(*) FROM "` + t.name + `"`).Scan(&tc.Source).Error; err != nil {
		return tc, err
	}
	progress(t.name, 0, tc.Source)
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	rows, err := src.Raw(`SELECT ` + strings.Join(quoted, ", ") + ` FROM "` + t.name + `" ORDER BY rowid`).Rows()
	if err != nil {
		return tc, err
	}
	defer rows.Close()
	source := &copySource{rows: rows, cols: cols, types: t.types, progress: func(n int64) { progress(t.name, n, tc.Source) }}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, cols, source)
	if err != nil {
		return tc, err
	}
	progress(t.name, n, tc.Source)
	return tc, nil
}

// copySource feeds COPY from the rows of the SQLite source, converting each
// value to the target column's type.
type copySource struct {
	rows     *sql.Rows
	cols     []string
	types    map[string]string
	vals     []any
	err      error
	done     int64
	progress func(int64)
}

func (c *copySource) Next() bool {
	if !c.rows.Next() {
		c.err = c.rows.Err()
		return false
	}
	raw := make([]any, len(c.cols))
	ptrs := make([]any, len(c.cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if c.err = c.rows.Scan(ptrs...); c.err != nil {
		return false
	}
	c.vals = make([]any, len(c.cols))
	for i, col := range c.cols {
		v, err := convertForPostgres(raw[i], c.types[col])
		if err != nil {
			c.err = fmt.Errorf("column %s: %w", col, err)
			return false
		}
		c.vals[i] = v
	}
	c.done++
	if c.done%copyProgressEvery == 0 {
		c.progress(c.done)
	}
	return true
}

func (c *copySource) Values() ([]any, error) { return c.vals, nil }
func (c *copySource) Err() error             { return c.err }

// sqliteTimeLayouts are the text forms SQLite files hold times in.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02",
}

// convertForPostgres turns a value read from SQLite into one COPY accepts for
// a PostgreSQL column of type pgType (information_schema data_type).
func convertForPostgres(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			return x == "1" || strings.EqualFold(x, "true"), nil
		}
	case "timestamp with time zone", "timestamp without time zone", "date":
		switch x := v.(type) {
		case time.Time:
			return x, nil
		case string:
			for _, l := range sqliteTimeLayouts {
				if t, err := time.Parse(l, x); err == nil {
					return t, nil
				}
			}
			return nil, fmt.Errorf("time %q", x)
		case []byte:
			return convertForPostgres(string(x), pgType)
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case "text", "character varying", "character":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return fmt.Sprint(x), nil
		case float64:
			return fmt.Sprint(x), nil
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	}
	return v, nil
}
