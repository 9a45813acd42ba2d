// inventory: a Go service that exposes net/http/pprof on :6060, for the collector to scrape
// (deploy/collector/collector.json). It does recognisable work all the time: it indexes and
// searches an in-memory inventory (CPU in sort and strings, allocations in the index).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"math/rand"
	"net/http"
	_ "net/http/pprof"
	"sort"
	"strings"
	"time"
)

type item struct {
	sku   string
	name  string
	stock int
}

func buildIndex(items []item) map[string][]int {
	index := make(map[string][]int)
	for i, it := range items {
		for _, word := range strings.Fields(it.name) {
			index[strings.ToLower(word)] = append(index[strings.ToLower(word)], i)
		}
	}
	return index
}

func search(index map[string][]int, items []item, query string) []item {
	var found []item
	for _, i := range index[strings.ToLower(query)] {
		found = append(found, items[i])
	}
	sort.Slice(found, func(a, b int) bool { return found[a].stock > found[b].stock })
	return found
}

func checksum(items []item) string {
	h := sha256.New()
	for _, it := range items {
		fmt.Fprintf(h, "%s:%d;", it.sku, it.stock)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func main() {
	go func() {
		log.Println("inventory: pprof on :6060")
		log.Fatal(http.ListenAndServe(":6060", nil))
	}()
	words := []string{"red", "blue", "large", "small", "shirt", "shoe", "lamp", "table", "chair", "cable"}
	rng := rand.New(rand.NewSource(1))
	for {
		items := make([]item, 20000)
		for i := range items {
			items[i] = item{
				sku:   fmt.Sprintf("SKU-%06d", i),
				name:  words[rng.Intn(len(words))] + " " + words[rng.Intn(len(words))] + " " + words[rng.Intn(len(words))],
				stock: rng.Intn(1000),
			}
		}
		index := buildIndex(items)
		for _, w := range words {
			_ = search(index, items, w)
		}
		_ = checksum(items)
		time.Sleep(50 * time.Millisecond)
	}
}
