# Sourced by the install scripts: installs Debian packages, as root or through sudo.
apt_install() {
    echo "installing system packages: $*" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
