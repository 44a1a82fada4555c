package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alexedwards/scs/v2"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/httpx"
	"efa-register/internal/store"
)

const userUsage = `Aufruf:
  efa user add --email ADRESSE --name NAME [--admin] [--coordinator LAND] [--editor ART:SCHLÜSSEL] [--password-stdin]
  efa user list [--suche TEXT]
  efa user passwd [--password-stdin] ADRESSE
  efa user remove ADRESSE
  efa user unblock ADRESSE

Verwaltet die Benutzerkonten auf der Kommandozeile (auch während efa serve läuft).
Ein hier vergebenes Passwort muss bei der ersten Anmeldung geändert werden.
  add      legt eine Plattformverwaltung, eine Landeskoordination oder eine Redaktion an
  list     listet alle Konten mit Rollen und letzter Anmeldung
  passwd   vergibt ein neues Passwort und beendet alle Sitzungen des Kontos
  remove   löscht ein Konto mit Rollen, API-Tokens und Anträgen (nie die letzte Plattformverwaltung)
  unblock  vergisst die fehlgeschlagenen Anmeldungen des Kontos (wie efa unblock)
`

// cmdUser administers accounts from the command line: "efa user add|list|passwd|remove|unblock".
func cmdUser(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user: Unterbefehl fehlt (add, list, passwd, remove oder unblock): %w", errUsage)
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "add":
		return cmdUserAdd(ctx, cfg, rest, stdin, stdout, stderr)
	case "list":
		return cmdUserList(ctx, cfg, rest, stdout, stderr)
	case "passwd":
		return cmdUserPasswd(ctx, cfg, rest, stdin, stdout, stderr)
	case "remove":
		return cmdUserRemove(ctx, cfg, rest, stdout, stderr)
	case "unblock":
		return runUnblock(ctx, cfg, "user unblock", rest, stdout, stderr)
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user: unbekannter Unterbefehl %q: %w", sub, errUsage)
	}
}

// oneAddress parses the flags and wants exactly one e-mail address after them.
func oneAddress(fs *flagSet, name string, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
		return "", fs.fail("genau eine E-Mail-Adresse erwartet")
	}
	return strings.TrimSpace(fs.Arg(0)), nil
}

// newPassword reads the password from the first line of stdin, or makes a
// random one.
func newPassword(name string, fromStdin bool, stdin io.Reader) (string, error) {
	if !fromStdin {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return base64.RawURLEncoding.EncodeToString(b), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("%s: Passwort von der Standardeingabe nicht lesbar: %w", name, err)
	}
	password := strings.TrimRight(line, "\r\n")
	var v catalog.ValidationError
	if catalog.ValidatePassword(&v, password); v.Err() != nil {
		return "", fmt.Errorf("%s: %s", name, v.Fields["password"])
	}
	return password, nil
}

// printOneTimePassword shows a generated password once.
func printOneTimePassword(stdout io.Writer, password string) {
	fmt.Fprintf(stdout, "Einmal-Passwort (jetzt notieren, es wird nicht gespeichert): %s\n", password)
	fmt.Fprintln(stdout, "Es muss bei der ersten Anmeldung durch ein eigenes Passwort ersetzt werden.")
}

func cmdUserAdd(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("user add", "Legt eine Plattformverwaltung, eine Landeskoordination oder eine Redaktion an. Ohne --password-stdin wird ein Zufallspasswort erzeugt und einmal angezeigt; jedes hier vergebene Passwort muss bei der ersten Anmeldung geändert werden.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "Ordner der Datenbank (EFA_DATA_DIR)")
	email := fs.String("email", "", "E-Mail-Adresse (Anmeldename), Pflicht")
	name := fs.String("name", "", "Name, wie ihn die Koordination sieht, Pflicht")
	admin := fs.Bool("admin", false, "Plattformverwaltung")
	coordinator := fs.String("coordinator", "", "Länderschlüssel (01..16) des koordinierten Landes")
	editor := fs.String("editor", "", "Organisation der Redaktion als ART:SCHLÜSSEL (z. B. gemeinde:010010000000, land:01)")
	fromStdin := fs.Bool("password-stdin", false, "Passwort aus der ersten Zeile der Standardeingabe lesen")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *name == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("user add: --email und --name sind Pflicht: %w", errUsage)
	}
	nu := store.NewUser{Email: *email, Name: *name, Admin: *admin, MustChangePassword: true}
	if *coordinator != "" {
		if !catalog.ValidLandKey(*coordinator) {
			return fmt.Errorf("user add: --coordinator %q ist kein Länderschlüssel 01..16: %w", *coordinator, errUsage)
		}
		nu.Memberships = append(nu.Memberships, store.NewMembership{Kind: catalog.KindLand, Key: *coordinator, Role: catalog.RoleCoordinator})
	}
	if *editor != "" {
		kind, key, ok := strings.Cut(*editor, ":")
		if !ok || !catalog.OrgKind(kind).Valid() {
			return fmt.Errorf("user add: --editor %q ist nicht ART:SCHLÜSSEL: %w", *editor, errUsage)
		}
		nu.Memberships = append(nu.Memberships, store.NewMembership{Kind: catalog.OrgKind(kind), Key: key, Role: catalog.RoleEditor})
	}
	if !*admin && len(nu.Memberships) == 0 {
		return fmt.Errorf("user add: --admin, --coordinator oder --editor angeben: %w", errUsage)
	}
	password, err := newPassword("user add", *fromStdin, stdin)
	if err != nil {
		return err
	}
	if nu.PasswordHash, err = auth.HashPasswordContext(ctx, password); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := seedIfEmpty(ctx, st, newLogger(cfg, stderr)); err != nil {
		return err
	}
	u, err := st.CreateUser(ctx, catalog.ActorSystem+":cli", nu)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "Konto %d angelegt: %s\n", u.ID, u.Email)
	if !*fromStdin {
		printOneTimePassword(stdout, password)
	} else {
		fmt.Fprintln(stdout, "Das Passwort muss bei der ersten Anmeldung geändert werden.")
	}
	return nil
}

func cmdUserList(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user list", "Listet die Benutzerkonten mit Rollen, Anmeldeart und letzter Anmeldung.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "Ordner der Datenbank (EFA_DATA_DIR)")
	query := fs.String("suche", "", "nur Konten, deren Name oder E-Mail-Adresse den Text enthält")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("user list: keine weiteren Argumente erwartet: %w", errUsage)
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tE-MAIL\tNAME\tROLLEN\tANMELDUNG\tLETZTE ANMELDUNG")
	total := int64(0)
	for offset := 0; ; offset += 100 {
		list, n, err := st.Users(ctx, store.UserFilter{Query: *query, Sort: "email", Offset: offset, Limit: 100}, time.Now())
		if err != nil {
			return err
		}
		total = n
		for _, s := range list {
			u := s.User
			var roles []string
			if u.Admin {
				roles = append(roles, "Plattformverwaltung")
			}
			for _, m := range u.Memberships {
				if m.Organisation != nil {
					roles = append(roles, m.Role.Label()+" "+m.Organisation.Name)
				}
			}
			if len(roles) == 0 {
				roles = []string{"–"}
			}
			var login []string
			if s.PasswordLogin {
				login = append(login, "Passwort")
			}
			if s.OIDCLogin {
				login = append(login, "Single Sign-on")
			}
			if u.MustChangePassword {
				login = append(login, "(muss geändert werden)")
			}
			last := "nie"
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.Local().Format("02.01.2006 15:04")
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, strings.Join(roles, "; "), strings.Join(login, " "), last)
		}
		if len(list) < 100 {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d Konten\n", total)
	return nil
}

func cmdUserPasswd(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("user passwd", "Vergibt einem Konto ein neues Passwort (efa user passwd ADRESSE), das bei der nächsten Anmeldung geändert werden muss, und beendet alle Sitzungen des Kontos. Ohne --password-stdin wird ein Zufallspasswort erzeugt und einmal angezeigt.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "Ordner der Datenbank (EFA_DATA_DIR)")
	fromStdin := fs.Bool("password-stdin", false, "Passwort aus der ersten Zeile der Standardeingabe lesen")
	email, err := oneAddress(fs, "user passwd", args)
	if err != nil {
		return err
	}
	password, err := newPassword("user passwd", *fromStdin, stdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPasswordContext(ctx, password)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.SetPasswordByOperator(ctx, email, hash)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("user passwd: kein Konto mit der E-Mail-Adresse %q", email)
	} else if err != nil {
		return fmt.Errorf("user passwd: %w", err)
	}
	n, err := endSessions(st, u.ID)
	if err != nil {
		return fmt.Errorf("user passwd: Passwort gesetzt, aber Sitzungen nicht beendet: %w", err)
	}
	fmt.Fprintf(stdout, "Neues Passwort für %s gesetzt; %d Sitzung(en) beendet.\n", u.Email, n)
	if !*fromStdin {
		printOneTimePassword(stdout, password)
	} else {
		fmt.Fprintln(stdout, "Es muss bei der nächsten Anmeldung geändert werden.")
	}
	return nil
}

func cmdUserRemove(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user remove", "Löscht ein Konto mit seinen Rollen, API-Tokens und Kontoanträgen (efa user remove ADRESSE). Die letzte Plattformverwaltung wird nie gelöscht.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "Ordner der Datenbank (EFA_DATA_DIR)")
	email, err := oneAddress(fs, "user remove", args)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, email)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("user remove: kein Konto mit der E-Mail-Adresse %q", email)
	} else if err != nil {
		return fmt.Errorf("user remove: %w", err)
	}
	err = st.DeleteUser(ctx, catalog.ActorSystem+":cli", u.ID)
	if errors.Is(err, catalog.ErrLastAdmin) {
		return fmt.Errorf("user remove: %s ist die letzte Plattformverwaltung und bleibt; legen Sie zuerst eine weitere an (efa user add --admin)", u.Email)
	} else if err != nil {
		return fmt.Errorf("user remove: %w", err)
	}
	n, err := endSessions(st, u.ID)
	if err != nil {
		return fmt.Errorf("user remove: Konto gelöscht, aber Sitzungen nicht beendet: %w", err)
	}
	fmt.Fprintf(stdout, "Konto %d (%s) gelöscht; %d Sitzung(en) beendet.\n", u.ID, u.Email, n)
	return nil
}

// endSessions deletes every web session of the user from the database (a
// running efa serve reads sessions from there on every request) and
// returns how many it ended.
func endSessions(st *store.Store, userID uint) (int, error) {
	ss := st.Sessions()
	all, err := ss.All()
	if err != nil {
		return 0, err
	}
	n := 0
	for token, data := range all {
		_, values, err := (scs.GobCodec{}).Decode(data)
		if err != nil {
			continue
		}
		if id, ok := values[httpx.SessionUserID].(int); ok && id == int(userID) {
			if err := ss.Delete(token); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
