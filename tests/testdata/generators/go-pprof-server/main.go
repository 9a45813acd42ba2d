// Command go-pprof-server serves net/http/pprof on a loopback address while it keeps a
// workload running, so that the scrape tests read real profiles from a real Go runtime:
// CPU (a busy hashing loop), allocations (JSON encoding), goroutines (parked workers),
// mutex contention and channel blocking (block profile).
//
// Usage: go-pprof-server -addr 127.0.0.1:0
//
// It prints "listening on <host:port>" once the listener is bound (port 0 picks a free port)
// and exits when its standard input closes, so it never outlives the test that started it.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sync"
	"time"
)

type record struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Attrs map[string]string `json:"attrs"`
}

// retained keeps some allocations alive so the heap profile has in-use memory.
var retained [][]byte
var retainedMu sync.Mutex

func burnCPU() {
	sum := sha256.Sum256([]byte("seed"))
	for {
		for i := 0; i < 10000; i++ {
			sum = sha256.Sum256(sum[:])
		}
		runtime.Gosched()
	}
}

func allocate() {
	for i := 0; ; i++ {
		doc, _ := json.Marshal(record{ID: i, Name: fmt.Sprintf("record-%d", i), Attrs: map[string]string{"k": "v"}})
		retainedMu.Lock()
		retained = append(retained, doc)
		if len(retained) > 20000 {
			retained = retained[len(retained)/2:]
		}
		retainedMu.Unlock()
		if i%1000 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

func contend(mu *sync.Mutex, shared *int) {
	for {
		mu.Lock()
		*shared++
		time.Sleep(50 * time.Microsecond)
		mu.Unlock()
	}
}

func block(ch chan int) {
	for {
		ch <- 1
		time.Sleep(time.Millisecond)
	}
}

func parked(stop <-chan struct{}) {
	<-stop
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()

	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)

	go burnCPU()
	go allocate()
	var mu sync.Mutex
	shared := 0
	for i := 0; i < 4; i++ {
		go contend(&mu, &shared)
	}
	ch := make(chan int)
	for i := 0; i < 2; i++ {
		go block(ch)
	}
	go func() {
		for range ch {
			time.Sleep(2 * time.Millisecond)
		}
	}()
	stop := make(chan struct{})
	for i := 0; i < 8; i++ {
		go parked(stop)
	}

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen on %s: %v", *addr, err)
	}
	fmt.Printf("listening on %s\n", listener.Addr().String())

	go func() {
		// The parent closes stdin (or dies): stop.
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(listener, nil))
}
