/* page_home.c - GET /: the paste form. */
#include "html.h"
#include "routes.h"

void handle_home(request *r)
{
    set_html_security_headers(r);
    set_header(r, "Cache-Control", "no-cache");
    reply(r, 200, "text/html; charset=utf-8", html_home_page());
}
