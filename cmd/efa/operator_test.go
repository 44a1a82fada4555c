package main

import (
	"errors"
	"testing"
)

func TestOperatorConfig(t *testing.T) {
	env := map[string]string{
		"EFA_OPERATOR_NAME":    " Landesamt für Digitales ",
		"EFA_OPERATOR_ADDRESS": "Musterweg 1|12345 Musterstadt",
		"EFA_OPERATOR_EMAIL":   "efa@land.example",
	}
	c, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Operator.Name != "Landesamt für Digitales" || c.Operator.Address != "Musterweg 1\n12345 Musterstadt" ||
		c.Operator.Email != "efa@land.example" || !c.Operator.Configured() {
		t.Errorf("operator = %+v", c.Operator)
	}
	env["EFA_OPERATOR_EMAIL"] = "Landesamt <efa@land.example>"
	if _, err := loadConfig(func(k string) string { return env[k] }); !errors.Is(err, errUsage) {
		t.Errorf("display-name address accepted: %v", err)
	}
	c, err = loadConfig(func(string) string { return "" })
	if err != nil || c.Operator.Configured() {
		t.Errorf("empty environment: %+v, %v", c.Operator, err)
	}
}
