// Package bsstest is an HTTP fake of the Huawei Cloud BSS partner APIs (plus the one IAM call
// that swaps partner credentials for a customer's temporary credentials), written from the
// fact sheet /work/shared/bss-api.md and independently of package bss, so that it checks the
// client rather than mirroring it. Tests run it through httptest (NewTestServer); the product
// binary mounts it as its built-in sandbox.
//
// # What it serves
//
// Same paths, methods and JSON names as the real service (including the misspelt
// /v2/orders/suscriptions/resources/query):
//
//	POST   /v2/partners/sub-customers/query                         ListSubCustomers (partner)
//	POST   /v2/accounts/customer-accounts/balances/batch-query      ListCustomersBalancesDetail (partner)
//	GET    /v2/accounts/partner-accounts/balances                   ListPartnerBalances (partner)
//	POST   /v2/orders/suscriptions/resources/query                  ListPayPerUseCustomerResources (partner or customer)
//	POST   /v2/orders/subscriptions/resources/renew                 RenewalResources (customer)
//	POST   /v2/orders/subscriptions/resources/unsubscribe           CancelResourcesSubscription (customer)
//	POST   /v2/orders/subscriptions/resources/autorenew/{id}        AutoRenewalResources (customer)
//	DELETE /v2/orders/subscriptions/resources/autorenew/{id}        CancelAutoRenewalResources (customer)
//	POST   /v2/orders/subscriptions/resources/to-on-demand          UpdatePeriodToOnDemand (customer)
//	GET    /v2/orders/customer-orders                               ListCustomerOrders (partner)
//	GET    /v2/orders/customer-orders/details/{order_id}            ShowCustomerOrderDetails (partner)
//	POST   /v2/bills/ratings/period-resources/subscribe-rate        ListRateOnPeriodDetail (customer)
//	POST   /v2/bills/ratings/period-resources/renew-rate            ListRenewRateOnPeriod (customer)
//	POST   /v2/partners/coupon-quotas/query                         ListQuotaCoupons (partner)
//	POST   /v2/partners/coupon-quotas/indirect-partner-reclaim      ReclaimCouponQuotas (partner)
//	POST   /v2/accounts/partner-accounts/adjust-amount              UpdateCustomerAccountAmount (partner)
//	POST   /v2/accounts/partner-accounts/reclaim                    ReclaimToPartnerAccount (partner)
//	GET    /v2/accounts/partner-accounts/account-change-records     ListPartnerAccountChangeRecords (partner)
//	GET    /v3/accounts/partner-accounts/adjust-records             ListPartnerAdjustRecords (partner)
//	GET    /v2/bills/partner-bills/subcustomer-bills/monthly-sum    ListSubcustomerMonthlyBills (partner)
//	POST   /v2/promotions/benefits/partner-coupons                  CreatePartnerCoupons (partner)
//	GET    /v2/promotions/benefits/partner-coupons                  ListIssuedPartnerCoupons (partner)
//	POST   /v2/promotions/benefits/partner-coupons/reclaim          ReclaimPartnerCoupons (partner)
//	GET    /v2/partners/issued-coupon-quotas                        ListIssuedCouponQuotas (partner)
//	POST   /v2/partners/sub-customers/on-demand-resources/query     ListCustomerOnDemandResources (partner)
//	POST   /v3.0/OS-CREDENTIAL/securitytokens                       IAM temporary credentials by agency (partner)
//	GET    /v3/auth/domains                                         IAM KeystoneListAuthDomains: the key's account
//
// Amounts are kept exactly (Money, in fen) and encoded as JSON numbers with two decimals, except
// where upstream sends strings: every amount of the renew-rate answer ("432.10"), the ledger's
// change_amount and balance_after_change, and the adjust records' amount (bss-money.md; SDK
// AccountChangeRecord, AdjustRecordV3). Request amounts (allocation, reclaim, coupon face
// value) are taken as a JSON string holding a number, as the SDK's decimal.Decimal sends them
// ("100", "0.5"; Huawei's own clients), or as a JSON number, as the documentation's examples
// show them, in yuan, greater than 0 with at most two decimals; anything else (exponents
// included) is 400 CBC.0100. An allocation answers {"transfer_id"}, a
// reclaim {"trans_id"} (the same id as the adjust record's trans_id), a coupon reclaim HTTP 204
// with no body.
// Every answer carries X-Request-Id. Errors use the BSS shape {"error_code","error_msg"}
// (gateway errors add "request_id"; IAM errors use {"error":{"code","message","title"}}).
// Every request must be signed with SDK-HMAC-SHA256 (bss.Verify): the partner's AK/SK, or
// temporary credentials from the IAM call with a signed X-Security-Token. Partner-only
// operations refuse customer credentials and customer-only operations refuse the partner's
// (403 CBC.0155), as the real service does. BSS being a global service, every BSS call must
// carry X-Domain-Id, signed, naming the account of the signing key: Options.DomainID
// (SandboxDomainID) for the partner's key, the customer's id for its temporary credentials.
//
// # Where it differs from the real BSS
//
// Behaviour the fact sheet marks UNCONFIRMED, or does not state, is decided as follows:
//
//   - Limits: ListPayPerUseCustomerResources, ListCustomerOrders, ListQuotaCoupons and order
//     line items accept limit 1..100; ListCustomersBalancesDetail takes at most 100 customers;
//     ListRateOnPeriodDetail at most 100 products; unsubscribe_reason at most 512 characters;
//     IAM duration_seconds 900..86400. limit 0 is refused (400), not treated as the default.
//   - Request bodies are decoded strictly: unknown or wrongly-cased keys, wrong JSON types,
//     non-objects and empty bodies are 400 CBC.0100 naming the field (the real service is at
//     least as strict about types; it may be laxer about unknown keys).
//   - account_name and customer filters match case-insensitively; label matches case-sensitively.
//     account_name, customer or label containing a space (any Unicode space) is refused with 400
//     CBC.0101, as the SDK says BSS does (不支持携带空格查询).
//   - A renewal with is_auto_pay=1 and enough balance is paid at once (order status 5) and
//     moves the expiry; otherwise the order waits for payment (status 6) and the expiry does NOT
//     move, since the fake serves no payment API. Renewal runs from the original expiry, also
//     for a resource that expired days ago (grace or retention period), as Huawei's renewal
//     rules say; months are added calendar-wise (Jan 31 + 1 month = Feb 28/29). A renewed
//     period that still ends before now leaves the resource expired.
//     A year costs 10 months. One order is created per request.
//   - Renew/renew-rate per-resource failures go to fail_resource_infos: CBC.99000000 for a
//     resource that does not exist or is another customer's, CBC.0101 for an attached resource,
//     CBC.99003602 for a frozen or closed one. Unsubscribe is all-or-nothing (400 on any bad id).
//   - unsubscribe_type 2 rolls back to the expiry before the first paid renewal made through
//     the fake (renewals in the seeded history cannot be rolled back). Refunds are pro rata by
//     whole days at the discounted price and pay off debt first, then go to the balance.
//   - Orders carry the partner discount of 15% (discount_type "607"). Ratings offer each
//     customer its own optional discounts (Customer.Discounts): in the demo, 张三 has a contract
//     discount of 10% (605) and the partner's 15% (607), a third of the others the partner's, a
//     third the contract one, a third none; optional_discount_rating_results is absent when
//     there is none, and best_offer 1 marks the largest saving.
//   - renew-rate's renew_inquiry_results[].amount is what the renewal order will charge for the
//     main resource, plus its attached ones with include_relative_resources: each line less
//     the partner discount the fake's orders take, as in the fact sheet's example (amount
//     "432.10" of an official "480.11"); official_website_amount is the list total, and the
//     optional discounts are offered on it.
//   - Auto-renew answers 200 with an empty body; enabling it again is idempotent. Enabling
//     takes no body at all (what the SDK sends without auto_renew_times) as well as a JSON one.
//   - ListCustomerOrders defaults to order_by=-createTime (newest first). method follows the
//     SDK (bss-api.md Corrections, "Order list method"): oneself, the default (also when absent
//     or empty), lists the customer's own orders, and without customer_id those of every
//     customer; sub_customer lists the orders a customer paid on behalf of its enterprise
//     sub-accounts (企业多账号代付) — with customer_id, those that customer paid; without it,
//     those any of the partner's customers paid (the China site does not document this case;
//     bssintl ignores method without customer_id). In the demo 北京星河科技有限公司
//     (bj-xinghe-tech) pays the orders of 上海云帆网络 (sh-yunfan-net), so a partner-wide
//     sub_customer query returns only those. Such orders carry agent_pay_info
//     {paying_agent_id, is_agent_pay: true} in the list (not in the details, whose SDK model
//     has no such field); other orders carry none.
//   - Tier-2 resellers (Dataset.Resellers, one in the demo: 星云云经销商, owner of a coupon
//     quota, with two customers and its own balance account): ListSubCustomers, the balance
//     APIs, allocation, reclaim, both ledgers, monthly sums, partner coupons and on-demand
//     resources take indirect_partner_id and then see only that reseller's customers, money and
//     records; without it, only the partner's own. An unknown id is refused with CBC.99000037,
//     as is any id on the order and quota APIs (the fake's resellers have no orders).
//   - Money (bss-money.md): allocations draw on the partner's allocatable account (type 8) when
//     it has one, else its balance account (type 1) — which one upstream uses is not
//     documented — and may not exceed its amount less designated_amount (400 CBC.99005003
//     "insufficient balance"). Money reaching a customer in arrears pays the debt first. A
//     reclaim may not exceed the customer's balance (400 CBC.99005003; upstream's behaviour is
//     UNCONFIRMED) and returns to the same account. Referral (顾问销售) customers and customers
//     that are not the partner's are refused with 400 CBC.99000035, on every money API. Each
//     allocation and reclaim leaves an adjust record and a ledger entry (BALANCE_TYPE_DEBIT,
//     BEADJUST expense / BERETRIEVE income) with the same trans_id; both list newest first.
//   - The ledger's trade_time window is in China time, defaults to the year up to today and
//     may span at most a year; limit 1..100. Adjust records take limit 1..100.
//   - Monthly sums are computed when asked, in China time and up to 24:00 yesterday: charge
//     mode 1 from paid orders (purchases and renewals as bill_type 0 with the partner discount
//     as discount_amount, unsubscribe refunds as bill_type 1, negative), charge mode 3 from each
//     pay-per-use resource's whole hours in the cycle at its hourly price (the price table's
//     monthly price over 720 hours), 11 never has data. debt_amount and adjustment_amount are 0.
//   - Partner coupons are issued from the partner's own quota (or, with indirect_partner_id,
//     from one issued to that reseller) in status 0 and valid now; each takes its face value from
//     the quota's balance. A customer that is not a resale customer, or a quota short of the
//     face value, fails alone in error_details (CBC.99000035, CBC.99005003) while the others
//     succeed. The coupon's validity must lie within the quota's; cloud_service_types within
//     the quota's cloudServiceType restriction; memo at most 256 characters. A coupon whose
//     validity has not begun is inactive (1); past its expiry it lists as expired (4). Only a
//     usable coupon (2) can be reclaimed: its whole balance returns to the quota.
//   - On-demand resources take limit 1..100 and answer names in X-Language; resource_info is a
//     string holding JSON ({"specSize":100.0}) for disks and absent otherwise.
//   - Fault.AfterWork does the work (money moves, records are written) and then drops the
//     connection or answers the fault's status: a write whose outcome the client cannot know.
//   - Fault.Body answers exactly the body given (HTTP 200 unless Status says otherwise), without
//     the work or, with AfterWork, after it: answers BSS should not give, such as blank ids.
//   - Fault.EchoCredentials answers an error whose message quotes the call's access key, secret
//     key and security token (the sandbox knows all three), to test that they are hidden.
//   - Resource status is stored, not derived: a resource whose expiry passes while the server
//     runs stays "in use" (2) until something changes it.
//   - A missing, unsigned or foreign X-Domain-Id is answered 401 APIG.0301 "Incorrect IAM
//     authentication information: ...", as the gateway answers other authentication failures
//     (the real wording is not documented). IAM calls accept it absent, but not foreign.
//   - IAM errors of injected faults have the Keystone shape {"error":{"code":403,...}} with the
//     HTTP status as a numeric code unless Fault.ErrorCode names one.
//   - The IAM call grants the agency SandboxAgency on every customer, and the customer's own
//     xaccount_type as agency name; credentials live min(TempCredentialTTL, duration_seconds).
//   - Flow control is one token bucket per API (RatePerSecond; twice that for ListCustomerOrders
//     and three times for ListRateOnPeriodDetail, as BSS documents 20/s and 30/s against its
//     10), refilled in wall-clock time, not per source IP and account as upstream; APIG.0308 is never produced, only 429 CBC.0250.
//   - ListQuotaCoupons lists the partner's own quotas and those issued to resellers together;
//     ReclaimCouponQuotas only reclaims reseller quotas (IndirectPartnerID set) in status 0 with
//     a balance, and answers CBC.99000012 in error_details for every other id.
//   - Faults (Inject) act before signature checks and never execute the operation.
//   - The call log keeps the last 100,000 calls.
//   - Options.International serves the international site: ListCustomersBalancesDetail,
//     ListPartnerBalances, ListQuotaCoupons and ReclaimCouponQuotas answer 404 APIG.0101 like
//     an unpublished API (bssintl has none of them), and so do the partner money APIs but
//     ListCustomerOnDemandResources; everything else, the currency included, stays as on the
//     Chinese site.
//
// # Changing the data as business does
//
// Tests and benchmarks change the data with hooks that play what customers do outside the
// bot, each creating the order BSS would (created, and paid, at the server's now): Buy (a
// new purchase, order type 1), Renew (type 2, paid or pending), PayOrder (pays a pending
// renewal now; its creation time stays), Unsubscribe (type 4), RunAutoRenewals (BSS's daily
// run: type 2, source 8, 7 days before expiry), AddCustomer and RemoveCustomer (association
// begins or ends). SetAutoRenew switches auto-renew and creates no order, as the console does.
// Churn plays a seeded day of all of them over a share of the customers; a child process
// (StartChildControl) plays it on its data when asked on its standard input.
//
// # Demo data
//
// Demo builds 60 customers, among them 张三 (account zhangsan, resale, label vip) whose
// resources are fixed: ECS zhangsan-web-01 with two disks expiring in 3 days (a renewal of it
// is pending payment), ECS zhangsan-app-02 with auto-renew on, shared bandwidth zhangsan-bw-01
// with two EIPs expiring in 7 days, RDS zhangsan-mysql-01 and an expired OBS package. Other
// main resources expire in 1, 3, 7, 15 and 30 days (each a few hours short of the full day
// count), some expired, the rest 45–365 days out. Six resale customers are in arrears (amount
// 0, debt > 0); initech is also frozen (its resources are status 4).
//
// The money side: the partner's allocatable account (of which 5,000.00 is earmarked) holds
// what its ledger leaves: 14 records over the last 90 days from 30,000.00 (recharges,
// allocations to and reclaims from resale customers, with the matching adjust records). 张三
// has twelve pay-per-use resources (eight batch ECS, one of them closed, two SSD disks, an EIP
// and an OBS bucket), a usable partner coupon of 500.00 with 320.50 left and an expired one;
// other resale customers have up to four pay-per-use resources and a few coupons. The tier-2
// reseller 星云云经销商 (xingyun-dist, owner of the fifth coupon quota) has 20,000.00 and two
// customers of its own, yunduan-shop and northwind (in arrears, 88.00), which the partner's own
// listings do not show.
package bsstest
