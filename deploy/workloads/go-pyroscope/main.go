// shop: a Go service profiled by the official Pyroscope SDK (github.com/grafana/pyroscope-go),
// pushing CPU, allocation and heap profiles to the collector every 15 s. docker-compose.yml runs
// two releases (VERSION v1 and v2); v2 renders every order as JSON as well, so the release
// comparison dashboard has a real regression to show.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"os"
	"runtime"
	"time"

	"github.com/grafana/pyroscope-go"
)

type order struct {
	ID    int      `json:"id"`
	Items []string `json:"items"`
	Total float64  `json:"total"`
}

func makeOrders(rng *rand.Rand, n int) []order {
	orders := make([]order, n)
	for i := range orders {
		items := make([]string, 1+rng.Intn(8))
		for j := range items {
			items[j] = fmt.Sprintf("item-%d", rng.Intn(500))
		}
		orders[i] = order{ID: i, Items: items, Total: rng.Float64() * 200}
	}
	return orders
}

func priceOrders(orders []order) [32]byte {
	h := sha256.New()
	for _, o := range orders {
		fmt.Fprintf(h, "%d:%.2f", o.ID, o.Total)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func renderOrders(orders []order) int {
	size := 0
	for _, o := range orders {
		b, _ := json.Marshal(o)
		size += len(b)
	}
	return size
}

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func main() {
	version := getenv("VERSION", "v1")
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(5)
	_, err := pyroscope.Start(pyroscope.Config{
		ApplicationName: getenv("SERVICE_NAME", "shop"),
		ServerAddress:   getenv("PYROSCOPE_SERVER_ADDRESS", "http://collector:4040"),
		Tags:            map[string]string{"version": version, "env": "demo", "pod": getenv("HOSTNAME", "shop-0")},
		UploadRate:      15 * time.Second,
		ProfileTypes: []pyroscope.ProfileType{
			pyroscope.ProfileCPU,
			pyroscope.ProfileAllocObjects,
			pyroscope.ProfileAllocSpace,
			pyroscope.ProfileInuseObjects,
			pyroscope.ProfileInuseSpace,
			pyroscope.ProfileGoroutines,
			pyroscope.ProfileMutexCount,
			pyroscope.ProfileMutexDuration,
			pyroscope.ProfileBlockCount,
			pyroscope.ProfileBlockDuration,
		},
	})
	if err != nil {
		log.Fatalf("shop: starting the Pyroscope SDK: %v", err)
	}
	log.Printf("shop %s: profiling to %s", version, getenv("PYROSCOPE_SERVER_ADDRESS", "http://collector:4040"))
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for {
		orders := makeOrders(rng, 5000)
		_ = priceOrders(orders)
		if version != "v1" {
			_ = renderOrders(orders)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
