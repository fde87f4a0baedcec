package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/trailhound/trailhound/config"
)

func runBot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprint(stdout, "trailhound run [flags]\n\nRuns the Slack bot (Socket Mode). Every setting is a flag, an environment variable\nor a key of the YAML file named by --config.\n\n"+config.Usage())
			return nil
		}
	}
	cfg, err := config.Load(args, os.Getenv)
	if err != nil {
		return fmt.Errorf("%w: run: %v", errUsage, err)
	}
	if err := cfg.ValidateBot(); err != nil {
		return fmt.Errorf("%w: run: %v", errUsage, err)
	}
	log := newLogger(stderr, cfg.LogLevel)
	log.Info("starting", "version", version, "config", cfg.String())
	m, err := NewMain(ctx, cfg, MainOptions{Logger: log})
	if err != nil {
		return fmt.Errorf("run: %w", err)
	}
	defer m.Close()
	err = m.Run(ctx)
	log.Info("stopped", "err", err)
	return err
}
