package httpapi

// ListOutput is a page of items and the cursor of the next page, the
// shape every list operation answers with.
type ListOutput[T any] struct {
	Body struct {
		Items []T    `json:"items"`
		Next  string `json:"next,omitempty" doc:"Cursor of the next page: pass it back as the operation's 'after' or 'before' parameter; absent on the last page."`
	}
}

// List makes a ListOutput; a nil slice becomes an empty list.
func List[T any](items []T, next string) *ListOutput[T] {
	out := &ListOutput[T]{}
	out.Body.Items, out.Body.Next = items, next
	if out.Body.Items == nil {
		out.Body.Items = []T{}
	}
	return out
}
