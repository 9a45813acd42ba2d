// Command gen writes real Go runtime profiles for the pprof decoder tests:
// a CPU profile, a heap profile, a goroutine profile and a mutex profile.
//
// The work is recognisable on purpose: JSON encoding, SHA-256 hashing, a recursive
// function, sorting, regular expressions, and a contended mutex, called through a
// small hierarchy (main -> runWorkload -> processBatch -> ...). Part of the work runs
// under pprof labels (worker=..., and a span_id on one branch) so the profiles carry
// sample labels. See README.md for how to regenerate.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"
)

type order struct {
	ID       int               `json:"id"`
	Customer string            `json:"customer"`
	Items    []item            `json:"items"`
	Tags     map[string]string `json:"tags"`
	Total    float64           `json:"total"`
}

type item struct {
	SKU      string  `json:"sku"`
	Quantity int     `json:"quantity"`
	Price    float64 `json:"price"`
}

// retained keeps allocations alive so the heap profile has in-use memory.
var retained [][]byte
var retainedOrders []*order

var logLine = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}) (INFO|WARN|ERROR) \[([a-z]+)\] (.*)$`)

func makeOrders(n, seed int) []*order {
	orders := make([]*order, 0, n)
	for i := 0; i < n; i++ {
		o := &order{
			ID:       seed*n + i,
			Customer: fmt.Sprintf("customer-%05d", (i*7919+seed)%10007),
			Tags:     map[string]string{"region": "eu-west", "tier": fmt.Sprint(i % 3)},
		}
		for j := 0; j < 1+i%5; j++ {
			o.Items = append(o.Items, item{SKU: fmt.Sprintf("SKU-%d-%d", i, j), Quantity: j + 1, Price: float64(i%97) + 0.99})
			o.Total += float64(j+1) * (float64(i%97) + 0.99)
		}
		orders = append(orders, o)
	}
	return orders
}

func encodeOrders(orders []*order) [][]byte {
	out := make([][]byte, 0, len(orders))
	for _, o := range orders {
		b, err := json.Marshal(o)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

func hashDocuments(docs [][]byte) string {
	h := sha256.New()
	for _, d := range docs {
		sum := sha256.Sum256(d)
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fibonacci(n int) int {
	if n < 2 {
		return n
	}
	return fibonacci(n-1) + fibonacci(n-2)
}

func sortOrders(orders []*order) {
	sort.Slice(orders, func(i, j int) bool {
		if orders[i].Total != orders[j].Total {
			return orders[i].Total < orders[j].Total
		}
		return orders[i].Customer < orders[j].Customer
	})
}

func makeLogLines(n int) []string {
	levels := []string{"INFO", "WARN", "ERROR"}
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("2024-03-%02d %s [%s] request %d served in %dms", 1+i%28, levels[i%3], []string{"api", "db", "cache"}[i%3], i, i%250)
	}
	return lines
}

func matchLogLines(lines []string) map[string]int {
	counts := map[string]int{}
	for _, l := range lines {
		if m := logLine.FindStringSubmatch(l); m != nil {
			counts[m[2]+"/"+m[3]]++
		}
	}
	return counts
}

func processBatch(ctx context.Context, batch int) string {
	orders := makeOrders(400, batch)
	var docs [][]byte
	pprof.Do(ctx, pprof.Labels("worker", "encode"), func(context.Context) {
		docs = encodeOrders(orders)
	})
	var digest string
	pprof.Do(ctx, pprof.Labels("worker", "hash", "span_id", "9a3c5e7f01b2d4e6"), func(context.Context) {
		digest = hashDocuments(docs)
	})
	sortOrders(orders)
	counts := matchLogLines(makeLogLines(300))
	if batch%10 == 0 {
		retainedOrders = append(retainedOrders, orders[:20]...)
		retained = append(retained, docs[0], []byte(strings.Repeat(digest, 4)))
	}
	return fmt.Sprint(digest[:8], len(counts))
}

func computeSeries(ctx context.Context) int {
	total := 0
	pprof.Do(ctx, pprof.Labels("worker", "fib"), func(context.Context) {
		total = fibonacci(24)
	})
	return total
}

func contend(mu *sync.Mutex, shared *int, rounds int) {
	for i := 0; i < rounds; i++ {
		mu.Lock()
		*shared += fibonacci(12)
		mu.Unlock()
	}
}

func appendLedger(mu *sync.Mutex, ledger *[]string, rounds int) {
	for i := 0; i < rounds; i++ {
		entry := fmt.Sprintf("entry-%d", i)
		mu.Lock()
		*ledger = append(*ledger, entry)
		mu.Unlock()
	}
}

func runContention() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	shared := 0
	var ledger []string
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			contend(&mu, &shared, 2000)
		}()
		go func() {
			defer wg.Done()
			appendLedger(&mu, &ledger, 2000)
		}()
	}
	wg.Wait()
}

func runWorkload(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	for batch := 0; time.Now().Before(deadline); batch++ {
		processBatch(ctx, batch)
		computeSeries(ctx)
		if batch%25 == 0 {
			runContention()
		}
	}
}

// parkedWorker blocks so that the goroutine profile shows more than main.
func parkedWorker(ready *sync.WaitGroup, stop <-chan struct{}) {
	ready.Done()
	<-stop
}

func write(dir, name string, f func(*os.File) error) {
	file, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := f(file); err != nil {
		panic(err)
	}
	if err := file.Close(); err != nil {
		panic(err)
	}
}

func main() {
	out := flag.String("out", ".", "directory for the profiles")
	mode := flag.String("mode", "cpu", "cpu: CPU, goroutine and mutex profiles; heap: heap profile")
	seconds := flag.Float64("seconds", 4, "how long to run the workload")
	flag.Parse()

	ctx := context.Background()
	switch *mode {
	case "cpu":
		// The CPU run keeps the default MemProfileRate so that heap sampling does not
		// dominate the CPU profile with stack unwinding.
		runtime.SetMutexProfileFraction(1)
		stop := make(chan struct{})
		var ready sync.WaitGroup
		for i := 0; i < 3; i++ {
			ready.Add(1)
			go parkedWorker(&ready, stop)
		}
		ready.Wait()
		write(*out, "go-cpu.pb.gz", func(f *os.File) error {
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			runWorkload(ctx, time.Duration(*seconds*float64(time.Second)))
			pprof.StopCPUProfile()
			return nil
		})
		write(*out, "go-goroutine.pb.gz", func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 0) })
		write(*out, "go-mutex.pb.gz", func(f *os.File) error { return pprof.Lookup("mutex").WriteTo(f, 0) })
		close(stop)
	case "heap":
		// Sample one allocation per 512 bytes on average (default 512 KiB) so the heap
		// profile has many samples; set before any allocation of interest.
		runtime.MemProfileRate = 512
		runWorkload(ctx, time.Duration(*seconds*float64(time.Second)))
		runtime.GC()
		write(*out, "go-heap.pb.gz", func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	default:
		panic("unknown mode " + *mode)
	}
	fmt.Println(*mode, len(retained), len(retainedOrders))
}
