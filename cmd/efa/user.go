package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"efa-register/internal/auth"
	"efa-register/internal/catalog"
	"efa-register/internal/store"
)

// cmdUser administers accounts from the command line: "efa user add".
func cmdUser(ctx context.Context, cfg config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(stderr, "Usage: efa user add --email ADDRESS --name NAME [--admin] [--coordinator LAND] [--editor KIND:KEY] [--password-stdin]\n")
		return fmt.Errorf("user: want subcommand add: %w", errUsage)
	}
	fs := newFlags("user add", "Creates a platform admin, a Land coordinator or an organisation editor. Without --password-stdin a random password is generated and printed once.", stderr)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder of the database (EFA_DATA_DIR)")
	email := fs.String("email", "", "e-mail address (login name), required")
	name := fs.String("name", "", "name shown to coordinators, required")
	admin := fs.Bool("admin", false, "make the user a platform admin")
	coordinator := fs.String("coordinator", "", "Länderschlüssel (01..16) the user coordinates")
	editor := fs.String("editor", "", "organisation the user edits for, as KIND:KEY (e.g. gemeinde:010010000000, land:01)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fs.Usage()
		return fmt.Errorf("user add: --email and --name are required: %w", errUsage)
	}
	nu := store.NewUser{Email: *email, Name: *name, Admin: *admin}
	if *coordinator != "" {
		if !catalog.ValidLandKey(*coordinator) {
			return fmt.Errorf("user add: --coordinator %q is not a Länderschlüssel 01..16: %w", *coordinator, errUsage)
		}
		nu.Memberships = append(nu.Memberships, store.NewMembership{Kind: catalog.KindLand, Key: *coordinator, Role: catalog.RoleCoordinator})
	}
	if *editor != "" {
		kind, key, ok := strings.Cut(*editor, ":")
		if !ok || !catalog.OrgKind(kind).Valid() {
			return fmt.Errorf("user add: --editor %q is not KIND:KEY: %w", *editor, errUsage)
		}
		nu.Memberships = append(nu.Memberships, store.NewMembership{Kind: catalog.OrgKind(kind), Key: key, Role: catalog.RoleEditor})
	}
	if !*admin && len(nu.Memberships) == 0 {
		return fmt.Errorf("user add: give --admin, --coordinator or --editor: %w", errUsage)
	}
	var password string
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("user add: read password from stdin: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		var v catalog.ValidationError
		if catalog.ValidatePassword(&v, password); v.Err() != nil {
			return fmt.Errorf("user add: %s", v.Fields["password"])
		}
	} else {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		password = base64.RawURLEncoding.EncodeToString(b)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	nu.PasswordHash = hash
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
		fmt.Fprintf(stdout, "Einmal-Passwort (jetzt notieren, es wird nicht gespeichert): %s\n", password)
	}
	return nil
}
