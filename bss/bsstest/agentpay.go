package bsstest

// Enterprise multi-account payment (企业多账号代付): an enterprise master account may pay the
// orders of its enterprise sub-accounts. ListCustomerOrders lists those orders for the payer
// with method=sub_customer (SDK model_list_customer_orders_request.go: "sub_customer：客户给企业子
// 代付订单"), and every answer names the payer in agent_pay_info (model_agent_pay_info_v2.go).

// The demo's enterprise master account and the sub-account whose orders it pays.
const (
	demoAgentPayer = "bj-xinghe-tech" // 北京星河科技有限公司
	demoAgentPaid  = "sh-yunfan-net"  // 上海云帆网络
)

// demoAgentPay makes 北京星河科技有限公司 the payer of 上海云帆网络's orders: those it has and those
// it creates from now on. It draws nothing from the random source, so the rest of the demo is
// the same with or without it.
func (g *gen) demoAgentPay(byAccount map[string]*Customer) {
	payer, paid := byAccount[demoAgentPayer], byAccount[demoAgentPaid]
	if payer == nil || paid == nil {
		return
	}
	paid.AgentPayerID = payer.ID
	for i := range g.ds.Orders {
		if o := &g.ds.Orders[i]; o.CustomerID == paid.ID {
			o.PayingAgentID = payer.ID
		}
	}
}

// agentPaid reports whether o was paid on behalf of its customer by one of the partner's
// customers (an enterprise master account).
func (st *store) agentPaid(o *Order) bool {
	return o.PayingAgentID != "" && st.custByID[o.PayingAgentID] != nil
}
