module github.com/${{ values.repoOwner }}/${{ values.name }}

go 1.22
