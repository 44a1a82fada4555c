package web

import (
	"context"

	"efa-register/views"
)

// similarSolutions returns solutions like the given one from the search
// index, with a note explaining an empty result.
func (s *server) similarSolutions(ctx context.Context, slug string, n int) ([]views.SolutionItem, string, error) {
	return nil, "Ähnliche Lösungen ermittelt der Suchindex; er steht gerade nicht zur Verfügung.", nil
}
