package understand

import (
	"time"
)

// The tests' clock: Wednesday 2 December 2026, 10:00 in Shanghai.
var (
	testLoc = func() *time.Location {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return time.FixedZone("CST", 8*3600)
		}
		return loc
	}()
	testNow = time.Date(2026, 12, 2, 10, 0, 0, 0, testLoc)
)

// Customer ids of the test lexicon.
const (
	idZhang  = "a0000000000000000000000000000001"
	idLi     = "a0000000000000000000000000000002"
	idWang1  = "a0000000000000000000000000000003"
	idWang2  = "a0000000000000000000000000000004"
	idAcme   = "a0000000000000000000000000000005"
	idMingT  = "a0000000000000000000000000000006"
	idGlobex = "a0000000000000000000000000000007"
	idZhangS = "a0000000000000000000000000000008"
)

func testLexicon() *Lexicon {
	return NewLexicon([]Entry{
		{Kind: KindCustomer, ID: idZhang, Name: "张三", Account: "zhangsan01"},
		{Kind: KindCustomer, ID: idLi, Name: "李四", Account: "lisi"},
		{Kind: KindCustomer, ID: idWang1, Name: "王五", Account: "wangwu-bj"},
		{Kind: KindCustomer, ID: idWang2, Name: "王五", Account: "wangwu-sh"},
		{Kind: KindCustomer, ID: idAcme, Name: "ACME Ltd", Account: "acme"},
		{Kind: KindCustomer, ID: idMingT, Name: "明天科技", Account: "mingtian"},
		{Kind: KindCustomer, ID: idGlobex, Name: "Globex Corp", Account: "globex"},
		{Kind: KindCustomer, ID: idZhangS, Name: "张三丰科技", Account: "zsf"},
		{Kind: KindLabel, Name: "vip"},
		{Kind: KindLabel, Name: "重点"},
	})
}
