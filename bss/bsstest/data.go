package bsstest

import (
	"slices"
	"time"
)

// Dataset is everything the fake serves. New takes ownership of it: do not read or change a
// Dataset after handing it to New (use Clone to give two servers the same data).
type Dataset struct {
	Currency        string           // "CNY" unless set
	PartnerAccounts []PartnerAccount // the partner's own accounts (ListPartnerBalances)
	Customers       []Customer
	Resources       []Resource
	Orders          []Order
	Quotas          []Quota
	Prices          []Price

	// Partner money (bss-money.md): tier-2 resellers with their own accounts, the partner's and
	// resellers' ledgers (account change records and adjust records), partner coupons issued to
	// customers and customers' pay-per-use resources. Monthly spend is not stored: it is computed
	// from paid orders and on-demand usage.
	Resellers     []Reseller
	Ledger        []LedgerEntry
	AdjustRecords []AdjustRecord
	Coupons       []Coupon
	OnDemand      []OnDemandResource
}

// PartnerAccount is one of the partner's own accounts (bss-api.md §2, ListPartnerBalances).
type PartnerAccount struct {
	ID               string
	Type             int // 1 balance, 2 credit, 5 bonus, 7 deposit, 8 allocatable
	Amount           Money
	DesignatedAmount Money
	CreditAmount     Money // type 2 only
	Memo             string
}

// Project is a customer's IAM project in one region.
type Project struct {
	Region string // e.g. "cn-north-4"
	ID     string
}

// Customer is a sub-customer of the partner (bss-api.md §1, §2).
type Customer struct {
	ID              string // 32 hex, the account (domain) id
	AccountName     string // login name (domain name)
	Name            string // real-name (实名认证) name, "customer" on the wire
	Label           string
	AssociationType string // "1" referral (顾问销售), "2" resale (代售)
	AssociatedOn    time.Time
	Telephone       string // masked, as the API shows it
	CountryCode     string // "0086"
	Email           string // masked
	VerifiedStatus  string // "-1" none, "0" in review, "1" rejected, "2" verified
	CustomerType    int    // -1 none, 0 person, 1 enterprise
	IsFrozen        int    // 0 no, 1 account frozen, 2 account and resources frozen
	AccountManager  string // account name of the partner-side manager, "" = none
	CustomerLevel   string // "V0".."V5"
	XAccountID      string
	XAccountType    string // partner platform identifier; also accepted as agency name (§14)
	// IndirectPartnerID is the tier-2 reseller (云经销商) the customer belongs to; "" = the
	// partner's own customer. A reseller's customers are listed and acted on only with that
	// reseller's indirect_partner_id.
	IndirectPartnerID string
	Balance           Money // available amount
	Debt              Money // arrears (debt_amount)
	// Budget is the sub-customer budget the international site keeps (UpdateSubCustomerBudget);
	// nil = none set.
	Budget   *Money
	Currency string
	Projects []Project
	// Discounts are the optional discounts the rating APIs offer this customer; none = the
	// answers carry no optional_discount_rating_results.
	Discounts []OptionalDiscount
	// AgentPayerID is the enterprise master account that pays this customer's orders on its
	// behalf (企业多账号代付): the orders created for the customer carry agent_pay_info naming
	// it, and ListCustomerOrders lists them with method=sub_customer under the payer's
	// customer_id. "" = the customer pays its own orders.
	AgentPayerID string
}

// OptionalDiscount is a discount the rating APIs offer in optional_discount_rating_results[]
// (SDK model_optional_discount_rating_result.go): Type 605 is a contract business discount
// (Huawei Cloud BE), 606 one of a distributor's BE, 607 a discount the partner grants.
type OptionalDiscount struct {
	ID             string
	Type           int
	NameZH, NameEN string
	Percent        int64 // off the official price
}

// Resource is one yearly/monthly resource (bss-api.md §3). Attached resources (EVS disks, EIPs)
// carry their main resource's resource id in ParentResourceID and share its expiry.
type Resource struct {
	ID                    string // order-instance id ("id" on the wire)
	ResourceID            string
	Name                  string
	CustomerID            string
	RegionCode            string
	ServiceTypeCode       string
	ServiceTypeName       string
	ResourceTypeCode      string
	ResourceTypeName      string
	ResourceSpecCode      string
	ProductSpecDesc       string
	SpecSize              int64 // linear size (GB, Mbps); 0 = none
	SpecSizeMeasureID     int   // 15 Mbps, 17 GB
	ProjectID             string
	ProductID             string
	ParentResourceID      string
	IsMain                bool
	Status                int // 2 in use, 3 closed, 4 frozen, 5 expired
	EffectiveTime         time.Time
	ExpireTime            time.Time
	UpdateTime            time.Time
	ExpirePolicy          int // 0 grace, 1 to pay-per-use, 2/5 delete, 3 auto-renew, 4 freeze
	AutoRenewTimes        int // with ExpirePolicy 3: 0 = unlimited
	EnterpriseProjectID   string
	EnterpriseProjectName string
	OrderID               string // order that bought it
	MonthlyPrice          Money  // official price of one month of this resource alone
}

// Order is a customer order (bss-api.md §7).
type Order struct {
	ID                    string // like CS2611250000ABCD
	CustomerID            string
	UserName              string
	ServiceTypeCode       string
	ServiceTypeName       string
	SourceType            int // 1 customer, 2 agent, ...
	Status                int // 1 pending review, 3 processing, 4 cancelled, 5 completed, 6 pending payment, ...
	OrderType             int // 1 new, 2 renewal, 3 change, 4 unsubscribe, ...
	OfficialAmount        Money
	AmountAfterDiscount   Money
	DiscountAmount        Money // partner discount (discount_type "607")
	CouponAmount          Money
	Currency              string
	CreateTime            time.Time
	PaymentTime           time.Time // zero = not paid
	PendingPaymentEndTime time.Time // status 6 only
	ContractID            string
	// PayingAgentID is the customer that paid this order on behalf of the ordering enterprise
	// sub-account (agent_pay_info.paying_agent_id, SDK model_agent_pay_info_v2.go); "" = the
	// ordering customer paid it itself.
	PayingAgentID string
	LineItems     []OrderLineItem
}

// OrderLineItem is one line of an order (ShowCustomerOrderDetails).
type OrderLineItem struct {
	ID                  string
	ResourceID          string // the resource the line is about (not on the wire)
	ServiceTypeCode     string
	ProductID           string
	ProductSpecDesc     string
	CategoryCode        string
	PeriodType          int // 0 day, 1 week, 2 month, 3 year, 4 hour, 5 one-off
	PeriodNum           int
	SubscriptionNum     int
	EffectiveTime       time.Time
	ExpireTime          time.Time
	OfficialAmount      Money
	AmountAfterDiscount Money
}

// Quota is a coupon quota (bss-api.md §9).
type Quota struct {
	QuotaID           string
	QuotaType         int // 0 cash-coupon quota, 1 flexi-purchase
	QuotaValue        Money
	Balance           Money
	QuotaStatus       int // 0 normal, 3 invalid, 4 adjusting, 5 frozen
	CreateTime        time.Time
	LastUpdateTime    time.Time
	EffectiveTime     time.Time
	ExpireTime        time.Time
	Limits            []QuotaLimit
	IndirectPartnerID string // second-level reseller the quota was issued to; "" = the partner's own
	ParentQuotaID     string
	Records           []QuotaRecord // issue/reclaim history
}

// QuotaLimit restricts how a quota may be used (limit_infos[] of ListQuotaCoupons), e.g. Key
// "cloudServiceType" with the services the coupons may pay for.
type QuotaLimit struct {
	Key    string
	Values []LimitValue
}

// LimitValue is one allowed value of a QuotaLimit, as the SDK's model_limit_value.go has it:
// Value1 the code (hws.service.type.ec2), Value2 its display name (弹性云服务器), "" when none.
type LimitValue struct {
	Value1, Value2 string
}

// QuotaRecord is one operation on a quota.
type QuotaRecord struct {
	ID            string
	OperationType string // "10" issue, "11" reclaim
	Amount        Money
	Time          time.Time
	Remark        string
	Result        string // "0" ok, "-1" failed
}

// Price is one entry of the price table used by the rating APIs and by renewals.
// Key: (ServiceTypeCode, ResourceTypeCode, ResourceSpecCode, Region); Region "" matches any region.
type Price struct {
	ServiceTypeCode  string
	ResourceTypeCode string
	ResourceSpecCode string
	Region           string
	Monthly          Money // per month; per unit of size when SizeMeasureID != 0. One year costs 10 months.
	SizeMeasureID    int   // 0 flat; 15 Mbps, 17 GB (linear products)
	ProductID        string
	ProductSpecDesc  string
}

// Clone returns a deep copy of d.
func (d *Dataset) Clone() *Dataset {
	if d == nil {
		return nil
	}
	c := &Dataset{
		Currency:        d.Currency,
		PartnerAccounts: slices.Clone(d.PartnerAccounts),
		Customers:       make([]Customer, len(d.Customers)),
		Resources:       slices.Clone(d.Resources),
		Orders:          make([]Order, len(d.Orders)),
		Quotas:          make([]Quota, len(d.Quotas)),
		Prices:          slices.Clone(d.Prices),
		Resellers:       make([]Reseller, len(d.Resellers)),
		Ledger:          slices.Clone(d.Ledger),
		AdjustRecords:   slices.Clone(d.AdjustRecords),
		Coupons:         make([]Coupon, len(d.Coupons)),
		OnDemand:        slices.Clone(d.OnDemand),
	}
	for i := range d.Resellers {
		c.Resellers[i] = d.Resellers[i]
		c.Resellers[i].Accounts = slices.Clone(d.Resellers[i].Accounts)
	}
	for i := range d.Coupons {
		c.Coupons[i] = d.Coupons[i].clone()
	}
	for i := range d.Customers {
		c.Customers[i] = d.Customers[i].clone()
	}
	for i := range d.Orders {
		c.Orders[i] = d.Orders[i].clone()
	}
	for i := range d.Quotas {
		c.Quotas[i] = d.Quotas[i].clone()
	}
	return c
}

func (c Customer) clone() Customer {
	c.Projects = slices.Clone(c.Projects)
	c.Discounts = slices.Clone(c.Discounts)
	return c
}

func (o Order) clone() Order {
	o.LineItems = slices.Clone(o.LineItems)
	return o
}

func (q Quota) clone() Quota {
	q.Limits = slices.Clone(q.Limits)
	for i := range q.Limits {
		q.Limits[i].Values = slices.Clone(q.Limits[i].Values)
	}
	q.Records = slices.Clone(q.Records)
	return q
}

// hasProject reports whether the customer owns project id.
func (c *Customer) hasProject(id string) bool {
	for _, p := range c.Projects {
		if p.ID == id {
			return true
		}
	}
	return false
}
