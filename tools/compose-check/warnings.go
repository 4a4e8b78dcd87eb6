package main

import (
	"io"

	"github.com/sirupsen/logrus"
)

// warnings collects what compose-go logs while loading (an unset variable without a default,
// an obsolete attribute...): `docker compose` shows these to everyone who runs it, so the
// check reports them as problems instead of printing them.
type warnings struct{ messages []string }

func (w *warnings) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (w *warnings) Fire(entry *logrus.Entry) error {
	w.messages = append(w.messages, entry.Message)
	return nil
}

// take returns the messages collected since the last call.
func (w *warnings) take() []string {
	out := w.messages
	w.messages = nil
	return out
}

func captureWarnings() *warnings {
	w := &warnings{}
	logrus.SetOutput(io.Discard)
	logrus.AddHook(w)
	return w
}
