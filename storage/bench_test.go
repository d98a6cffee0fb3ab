package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kring/content"
	"kring/storage/storagetest"
)

// BenchmarkWriteTx measures single-row write transactions: one UPDATE,
// committed on its own (WAL, synchronous=NORMAL), as a login or settings
// change does.
func BenchmarkWriteTx(b *testing.B) {
	ctx := context.Background()
	db := storagetest.Open(b)
	m := storagetest.Member(b, db, "ada", content.RoleMember, "correct horse battery")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		if err := db.UpdateProfile(ctx, m.ID, fmt.Sprintf("Ada %d", i), "", content.LanguageDutch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
}

// BenchmarkInsertTx measures single-row inserts, each its own transaction.
func BenchmarkInsertTx(b *testing.B) {
	ctx := context.Background()
	db := storagetest.Open(b)
	m := storagetest.Member(b, db, "ada", content.RoleMember, "correct horse battery")
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		s := content.Session{TokenHash: fmt.Sprintf("t%d", i), MemberID: m.ID, CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := db.CreateSession(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
}

// BenchmarkPointRead measures reads of one member by primary key from the
// reader pool, from as many goroutines as GOMAXPROCS.
func BenchmarkPointRead(b *testing.B) {
	ctx := context.Background()
	db := storagetest.Open(b)
	var ids []int64
	for i := 0; i < 1000; i++ {
		m := &content.Member{Username: fmt.Sprintf("m%d", i), Language: "nl", Role: "member", PasswordHash: "x", PublicKeyPEM: "p", PrivateKeyPEM: "q"}
		if err := db.CreateMember(ctx, m); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := db.MemberByID(ctx, ids[i%len(ids)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reads/s")
}
