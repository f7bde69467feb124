// Package cmdline is the command line a person types to the bot ("/renew 1a2b 3m --autopay"):
// Parse reads one, and the builders write the command lines other packages print (a digest's
// /renew button, the /approve of a request, the /topup of a debt), so that what they offer is
// exactly what typing would do. It knows no command; package commands gives the lines meaning.
package cmdline
