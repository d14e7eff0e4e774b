#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Make the interop tests' PKI at test time, with the openssl command only:
# a test CA (ECDSA P-256); server and client leaves for each key type the
# matrix covers (ECDSA P-256, ECDSA P-384, RSA-2048 used with rsa_pss_rsae,
# Ed25519), all with SAN DNS:localhost + IP:127.0.0.1; plus the certificates
# the failure tests need: one expired, one from a CA nobody trusts, one for
# the wrong name. Nothing here is secret; the keys live in the test's
# temporary directory and die with it.
#
# Then the certificate policy's cases (cert-policy.sh), a server and a
# client leaf of each under the same CA, each .pem holding its chain:
#   refused at security level 2: rsa1024 (an RSA-1024 key), sha1 (signed
#   with SHA-1), sha1inter (under inter-sha1, an intermediate the CA signed
#   with SHA-1), kuenc (keyUsage keyEncipherment only), server-ekuclient
#   (extendedKeyUsage clientAuth only) and client-ekuserver (serverAuth
#   only), each used in the other role;
#   accepted: noext (neither keyUsage nor extendedKeyUsage), kuds (keyUsage
#   digitalSignature, no extendedKeyUsage), ekuboth (serverAuth and
#   clientAuth).
#
# usage: mkcerts.sh DIR
# Writes DIR/ca.pem, DIR/{server,client}-{p256,p384,rsa,ed25519}.{pem,key},
# DIR/server-{expired,unknownca,wrongname}.{pem,key}, DIR/other-ca.pem,
# DIR/{server,client}-{rsa1024,sha1,sha1inter,kuenc,noext,kuds,ekuboth}.{pem,key},
# DIR/server-ekuclient.{pem,key}, DIR/client-ekuserver.{pem,key},
# DIR/inter-sha1.pem.
set -euo pipefail

dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"

openssl_q() {
	openssl "$@" 2>mkcerts.err || {
		echo "mkcerts: openssl $* failed:" >&2
		cat mkcerts.err >&2
		exit 1
	}
}

genkey() { # genkey TYPE FILE
	case $1 in
	p256) openssl_q genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
	p384) openssl_q genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$2" ;;
	rsa) openssl_q genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
	rsa1024) openssl_q genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$2" ;;
	ed25519) openssl_q genpkey -algorithm ED25519 -out "$2" ;;
	*) echo "mkcerts: unknown key type $1" >&2; exit 1 ;;
	esac
}

mkca() { # mkca NAME CN
	genkey p256 "$1.key"
	cat >"$1.ext" <<EOF
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
	openssl_q req -new -key "$1.key" -subj "/O=ktlsd interop/CN=$2" \
		-out "$1.csr"
	openssl_q x509 -req -in "$1.csr" -key "$1.key" -days 30 -sha256 \
		-extfile "$1.ext" -out "$1.pem"
}

# leaf NAME KEYTYPE CA CN SAN EKU
leaf() {
	local ku=digitalSignature
	# NSS insists on keyEncipherment in an RSA server certificate, TLS 1.3 or not.
	[ "$2" = rsa ] && ku="$ku, keyEncipherment"
	genkey "$2" "$1.key"
	cat >"$1.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, $ku
extendedKeyUsage = $6
subjectAltName = $5
authorityKeyIdentifier = keyid
EOF
	openssl_q req -new -key "$1.key" -subj "/O=ktlsd interop/OU=$1/CN=$4" \
		-out "$1.csr"
	openssl_q x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
		-CAcreateserial -days 30 -sha256 -extfile "$1.ext" -out "$1.pem"
}

san='DNS:localhost, IP:127.0.0.1'
mkca ca "ktlsd interop CA"
mkca other-ca "ktlsd interop untrusted CA"
for t in p256 p384 rsa ed25519; do
	leaf "server-$t" "$t" ca localhost "$san" serverAuth
	leaf "client-$t" "$t" ca "client-$t" "DNS:client.localhost" clientAuth
done
leaf server-unknownca p256 other-ca localhost "$san" serverAuth
leaf server-wrongname p256 ca wrong.example "DNS:wrong.example" serverAuth

# An expired leaf: 'openssl x509' cannot back-date, 'openssl ca' can.
genkey p256 server-expired.key
openssl_q req -new -key server-expired.key -subj "/O=ktlsd interop/CN=localhost" \
	-out server-expired.csr
mkdir -p ca.db
: >ca.db/index.txt
echo 1000 >ca.db/serial
cat >ca.cnf <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = ca.db
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[ any ]
organizationName = optional
commonName = supplied
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san
EOF
openssl_q ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key \
	-startdate 20200101000000Z -enddate 20210101000000Z -extensions leaf \
	-in server-expired.csr -out server-expired.pem -notext

# --- the certificate policy ------------------------------------------------
# policy NAME KEYTYPE CA DIGEST CN SAN [EXTENSION-LINE...]: a leaf (or, with
# "basicConstraints = critical, CA:TRUE" among the lines, a CA) signed by
# CA.pem with DIGEST; NAME.pem holds it followed by CA.pem unless CA is the
# root.
policy() {
	local name=$1 type=$2 ca=$3 md=$4 cn=$5 san=$6
	shift 6
	genkey "$type" "$name.key"
	{
		printf '%s\n' "$@"
		[ -n "$san" ] && echo "subjectAltName = $san"
		echo "authorityKeyIdentifier = keyid"
		echo "subjectKeyIdentifier = hash"
	} >"$name.ext"
	openssl_q req -new -key "$name.key" -subj "/O=ktlsd interop/OU=$name/CN=$cn" \
		-out "$name.csr"
	openssl_q x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" \
		-CAcreateserial -days 30 "-$md" -extfile "$name.ext" -out "$name.pem"
	[ "$ca" = ca ] || cat "$ca.pem" >>"$name.pem"
}

leafbc='basicConstraints = critical, CA:FALSE'
kuds='keyUsage = critical, digitalSignature'
policy inter-sha1 p256 ca sha1 "ktlsd interop SHA-1 intermediate" "" \
	'basicConstraints = critical, CA:TRUE' 'keyUsage = critical, keyCertSign, cRLSign'
for role in server client; do
	if [ $role = server ]; then
		eku=serverAuth cn=localhost s=$san
	else
		eku=clientAuth cn=client-policy s=DNS:client.localhost
	fi
	policy "$role-rsa1024" rsa1024 ca sha256 "$cn" "$s" "$leafbc" "$kuds" \
		"extendedKeyUsage = $eku"
	policy "$role-sha1" p256 ca sha1 "$cn" "$s" "$leafbc" "$kuds" \
		"extendedKeyUsage = $eku"
	policy "$role-sha1inter" p256 inter-sha1 sha256 "$cn" "$s" "$leafbc" \
		"$kuds" "extendedKeyUsage = $eku"
	policy "$role-kuenc" rsa ca sha256 "$cn" "$s" "$leafbc" \
		'keyUsage = critical, keyEncipherment' "extendedKeyUsage = $eku"
	policy "$role-noext" p256 ca sha256 "$cn" "$s" "$leafbc"
	policy "$role-kuds" p256 ca sha256 "$cn" "$s" "$leafbc" "$kuds"
	policy "$role-ekuboth" p256 ca sha256 "$cn" "$s" "$leafbc" "$kuds" \
		'extendedKeyUsage = serverAuth, clientAuth'
done
policy server-ekuclient p256 ca sha256 localhost "$san" "$leafbc" "$kuds" \
	'extendedKeyUsage = clientAuth'
policy client-ekuserver p256 ca sha256 client-policy DNS:client.localhost \
	"$leafbc" "$kuds" 'extendedKeyUsage = serverAuth'

rm -f ./*.csr ./*.ext ./*.srl mkcerts.err
exit 0
