# bash completion for iptables-trace(8)
# The option list is the one `iptables-trace --help` prints
# (tests/netns/install.bats checks that they agree).

_iptables_trace_ifaces()
{
	# the interfaces of the namespace given with --netns, else our own
	local i ns=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--netns)
			ns=${COMP_WORDS[i + 1]}
			[ "$ns" = = ] && ns=${COMP_WORDS[i + 2]}
			;;
		esac
	done
	if [ -n "$ns" ] && [ "${ns#/}" = "$ns" ]; then
		ip -n "$ns" -o link show 2>/dev/null |
			awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
	else
		ls /sys/class/net 2>/dev/null
	fi
}

_iptables_trace()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local opts="-s --source -d --destination -p --protocol -i --in-interface
		-o --out-interface --bpf --chain -4 -6 --limit --limit= --follow -c --count
		--timeout --verdict --summary --netns
		--backend= --trace-rules --cleanup --rule-syntax= -j --json
		-t --timestamps -v --verbose -n -q --quiet --no-color --color=
		--quiet-time --buffer-size -h --help -V --version
		--probe --from-host --sport --dport --tcp-flags --icmp-type --mark
		--ct --expect --ruleset --probe-file"
	local IFS=$' \t\n'

	# --opt=value: bash splits it into "--opt" "=" "value"
	local eq=
	if [ "$cur" = = ]; then
		cur= eq=1
	elif [ "$prev" = = ] && [ "$COMP_CWORD" -ge 2 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]} eq=1
	fi

	COMPREPLY=()
	case $prev in
	--netns)
		COMPREPLY=($(compgen -W "$(ip netns list 2>/dev/null |
			awk '{ print $1 }')" -- "$cur"))
		[[ $cur == /* ]] && COMPREPLY+=($(compgen -f -- "$cur"))
		return
		;;
	-i | --in-interface | -o | --out-interface)
		COMPREPLY=($(compgen -W "$(_iptables_trace_ifaces)" -- "$cur"))
		return
		;;
	-p | --protocol)
		COMPREPLY=($(compgen -W "tcp udp icmp icmpv6 sctp all" -- "$cur"))
		return
		;;
	--chain)
		COMPREPLY=($(compgen -W "PREROUTING OUTPUT" -- "$cur"))
		return
		;;
	--verdict)
		COMPREPLY=($(compgen -W "drop reject accept queue stolen unknown
			no-route delivered forwarded sent" -- "$cur"))
		return
		;;
	--color | --colour)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return
		;;
	--backend)
		COMPREPLY=($(compgen -W "auto nft legacy" -- "$cur"))
		return
		;;
	--rule-syntax)
		COMPREPLY=($(compgen -W "auto iptables nft" -- "$cur"))
		return
		;;
	--ct)
		COMPREPLY=($(compgen -W "new established related" -- "$cur"))
		return
		;;
	--expect)
		COMPREPLY=($(compgen -W "accept drop reject local forward" -- "$cur"))
		return
		;;
	--tcp-flags)
		COMPREPLY=($(compgen -W "SYN ACK SYN,ACK FIN,ACK RST PSH,ACK NONE" -- "$cur"))
		return
		;;
	--icmp-type)
		COMPREPLY=($(compgen -W "echo-request echo-reply destination-unreachable
			host-unreachable port-unreachable admin-prohibited time-exceeded
			packet-too-big parameter-problem" -- "$cur"))
		return
		;;
	--ruleset | --probe-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--limit)
		# after '=', or as the next word: a rate starts with a digit
		if [ -n "$eq" ] || [[ $cur == [0-9]* ]]; then
			COMPREPLY=($(compgen -W "1/second 10/second 1/minute 1/hour 1/day" -- "$cur"))
			return
		fi
		;;
	-s | --source | -d | --destination | --bpf | -c | --count | --timeout | --quiet-time | --buffer-size |\
	--sport | --dport | --mark)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		# no space after an option that wants its value after '='
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] &&
			compopt -o nospace 2>/dev/null
		return
	fi
	# a word of the pcap filter expression
	COMPREPLY=($(compgen -W "host net port portrange src dst and or not
		tcp udp icmp icmp6 ip ip6 sctp" -- "$cur"))
}

complete -F _iptables_trace iptables-trace
