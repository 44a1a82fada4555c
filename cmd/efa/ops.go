package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"efa-register/internal/server"
)

// loadOps reads the operational settings of the web layer from the
// environment: trusted proxies, body limit, HSTS, rate and concurrency limits.
func loadOps(getenv func(string) string) (server.Ops, error) {
	ops := server.Ops{RateLimit: 20, MaxBodyBytes: server.DefaultMaxBodyBytes, MaxInFlight: server.DefaultMaxInFlight, QueueWait: server.DefaultQueueWait}
	var err error
	if v := getenv("EFA_TRUSTED_PROXIES"); v != "" {
		if ops.TrustedProxies, err = server.ParseTrustedProxies(v); err != nil {
			return ops, fmt.Errorf("EFA_TRUSTED_PROXIES=%q: erwartet durch Kommas getrennte Netze (CIDR) oder Adressen (%v): %w", v, err, errUsage)
		}
	}
	if v := getenv("EFA_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return ops, fmt.Errorf("EFA_MAX_BODY_BYTES=%q: erwartet eine Zahl von Bytes, mindestens 1024: %w", v, errUsage)
		}
		ops.MaxBodyBytes = n
	}
	if v := getenv("EFA_HSTS"); v != "" {
		if ops.HSTS, err = strconv.ParseBool(v); err != nil {
			return ops, fmt.Errorf("EFA_HSTS=%q: erwartet true oder false: %w", v, errUsage)
		}
	}
	if v := getenv("EFA_METRICS_TOKEN"); v != "" {
		if len(v) < 16 {
			return ops, fmt.Errorf("EFA_METRICS_TOKEN: erwartet mindestens 16 Zeichen: %w", errUsage)
		}
		ops.MetricsToken = v
	}
	if v := getenv("EFA_RATE_LIMIT"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return ops, fmt.Errorf("EFA_RATE_LIMIT=%q: erwartet Anfragen pro Sekunde und Client (0 = aus): %w", v, errUsage)
		}
		ops.RateLimit = f
	}
	if v := getenv("EFA_RATE_BURST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return ops, fmt.Errorf("EFA_RATE_BURST=%q: erwartet eine positive Zahl: %w", v, errUsage)
		}
		ops.RateBurst = n
	}
	if v := getenv("EFA_TOKEN_RATE_LIMIT"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return ops, fmt.Errorf("EFA_TOKEN_RATE_LIMIT=%q: erwartet Anfragen pro Sekunde je API-Token (0 = ohne Grenze): %w", v, errUsage)
		}
		ops.TokenRateLimit = f
		if f == 0 {
			ops.TokenRateLimit = -1 // off
		}
	}
	if v := getenv("EFA_MAX_IN_FLIGHT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return ops, fmt.Errorf("EFA_MAX_IN_FLIGHT=%q: erwartet eine positive Zahl: %w", v, errUsage)
		}
		ops.MaxInFlight = n
	}
	if v := getenv("EFA_EXPORT_SLOTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return ops, fmt.Errorf("EFA_EXPORT_SLOTS=%q: erwartet eine positive Zahl: %w", v, errUsage)
		}
		ops.ExportSlots = n
	}
	if v := getenv("EFA_QUEUE_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return ops, fmt.Errorf("EFA_QUEUE_WAIT=%q: erwartet eine Dauer wie 100ms: %w", v, errUsage)
		}
		ops.QueueWait = d
	}
	return ops, nil
}

// errLocked means another process (a running efa serve or restore) holds
// the data folder.
var errLocked = errors.New("Datenordner belegt")

// lockDataDir takes the exclusive lock <dir>/efa.lock that efa serve holds
// while it runs and efa restore needs to replace the database. The kernel
// drops the lock when the process ends, however it ends (SIGKILL included),
// so a stale lock file never blocks anything.
func lockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("Datenordner anlegen: %w", err)
	}
	path := filepath.Join(dir, "efa.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("%s öffnen: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: ein anderer efa-Prozess (efa serve oder efa restore) benutzt den Datenordner: %w", dir, errLocked)
		}
		return nil, fmt.Errorf("%s sperren: %w", path, err)
	}
	// The pid is for people looking at the folder; the lock is what counts.
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
