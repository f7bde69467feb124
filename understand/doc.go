// Package understand turns an everyday question typed in Chinese or English ("下周哪些客户到期？",
// "李四欠多少钱", "帮我给张三续一个月", "who owes us money") into one of the registry's existing
// command lines with its typed arguments, or says it did not understand and suggests up to three
// command lines. It uses no model, no network and no cgo: a fixed pipeline of tables.
//
//  1. normalise: NFKC (full-width forms to ASCII), 繁体 of the domain to 简体, lower case,
//     a leading @mention and punctuation removed;
//  2. protected tokens, taken out before anything else reads the text: resource and customer ids,
//     order ids, request numbers, amounts (¥1,000.50, 500元, 一千二), periods (一个月, 3个月, 一年);
//  3. the lexicon: the longest customer name, account name or label at each place (several
//     customers of one name are the candidates; the command shows them, as /customer does);
//  4. a table-driven date grammar (今天/明天/后天, N天后, N天内, 本周/下周/下周三, 月底/下月底,
//     本月/下个月, X月X日, and English) that always yields an interval in the bot's time zone;
//  5. intent keyword rules, in order, over what is left.
//
// The result depends only on the text, the clock's now and the lexicon. Its command line is
// what the router parses back to the same arguments (FuzzUnderstand checks both). The package
// knows which command a sentence names, never whether it may run: the router decides that, and
// never runs an action from a sentence.
package understand
