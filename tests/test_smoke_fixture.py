def test_fixture_works(app, make_user, auth, client):
    user = make_user("staff")
    r = auth.login(user)
    assert r.status_code == 303
    assert client.get("/board/").status_code == 200
