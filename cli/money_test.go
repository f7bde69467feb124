package cli

import (
	"regexp"
	"testing"
)

// TestExecMoney runs the money commands through `partnerbot exec` against the built-in
// sandbox, as the README shows them: the read-only ones for their roles, and a top-up, a
// balance reclaim, a coupon and a coupon reclaim through the four-eyes approval. The exec runs
// share the sandbox's file as they share the store: the coupon issued is there to reclaim.
func TestExecMoney(t *testing.T) {
	t.Run("reads", func(t *testing.T) {
		t.Parallel()
		cfg := writeConfig(t)
		tests := []struct {
			as, cmd string
			code    int
			stdout  []string
		}{
			{"console:alice", "/spend 张三", exitOK, []string{"张三 (zhangsan) 的消费（", "包年/包月:", "按需:", "合计:"}},
			{"console:alice", "/消费", exitOK, []string{"代售客户消费排行", "个客户共消费"}},
			{"console:alice", "/customer 张三", exitOK, []string{"本月消费:", "[本月消费] /spend "}},
			{"console:alice", "/ledger", exitFailed, []string{"/ledger 需要 审批人（approver） 角色"}},
			{"console:bob", "/流水 --type all --days 90", exitOK, []string{"合作伙伴账户收支明细（最近 90 天）", "变更后账户余额"}},
			{"console:admin", "/ledger --type topup", exitOK, []string{"拨款"}},
			{"console:alice", "/代金券 张三", exitOK, []string{"张三 (zhangsan) 的合作伙伴代金券", "CNY 320.50", "[回收 CP"}},
			{"console:alice", "/ondemand 张三", exitOK, []string{"zhangsan-batch-01", "第 1/2 页，共 12 项", "[下一页] /ondemand "}},
			{"console:alice", "/按需资源 张三 --page 2", exitOK, []string{"zhangsan-logs"}},
			{"console:alice", "/arrears", exitOK, []string{"[拨款 李四 (lisi) CNY 4,026.06] /topup "}},
			{"console:alice", "/topup 张三 1.001", exitFailed, []string{"最多两位小数"}},
			{"slack:U1", "/topup 张三 10", exitFailed, []string{"需要 操作员（operator） 角色"}},
		}
		for _, tc := range tests {
			runCLI(t, "", "exec", "-config", cfg, "-as", tc.as, tc.cmd).check(t, tc.code, tc.stdout, nil)
		}
	})
	t.Run("actions", func(t *testing.T) {
		t.Parallel()
		cfg := writeConfig(t)
		exec := func(as, cmd string, code int, stdout ...string) string {
			t.Helper()
			r := runCLI(t, "", "exec", "-config", cfg, "-as", as, cmd)
			r.check(t, code, stdout, nil)
			return r.stdout
		}
		exec("console:alice", "/拨款 lisi 4026.06", exitOK, "已提交申请 #1", "欠费 CNY 4,026.06", "合作伙伴可拨款账户 PA", "[撤回] /cancel 1")
		exec("console:alice", "/topup lisi 1", exitFailed, "已有一个待处理的拨款申请 #1")
		exec("console:alice", "/approve 1", exitFailed, "需要 审批人")
		exec("console:bob", "/pending", exitOK, "拨款")
		exec("console:bob", "/approve 1", exitOK, "✅ 已执行", "交易号 AD", "客户余额现为 CNY 0.00")
		exec("console:alice", "/回收余额 张三 80", exitOK, "已提交申请 #2", "回收金额:", "CNY 1,500.00")
		exec("console:bob", "/approve 2", exitOK, "交易号 RE", "客户余额现为 CNY 1,500.00")
		exec("console:alice", "/发券 张三 50 --days 30", exitOK, "已提交申请 #3", "发放代金券", "有效期:")
		exec("console:bob", "/approve 3", exitOK, "张三 (zhangsan)：已发放代金券 CP")
		out := exec("console:alice", "/coupons 张三", exitOK, "可使用 2 张", "CNY 50.00")
		coupon := regexp.MustCompile(`/coupon-reclaim (CP[0-9a-f]+)`).FindStringSubmatch(out)
		if coupon == nil {
			t.Fatalf("no reclaimable coupon in:\n%s", out)
		}
		exec("console:alice", "/回收代金券 "+coupon[1], exitOK, "已提交申请 #4", "将回收的余额:")
		exec("console:bob", "/approve 4", exitOK, "代金券 "+coupon[1]+" 已回收")
		exec("console:alice", "/request 1", exitOK, "console:bob", "已成功", "交易号 AD")
	})
}
